/** Time as the code under test sees it: injected so that simulations and windows are tested exactly. */
export interface Clock {
  /** Milliseconds, monotonic, for measuring durations. */
  now(): number;
  /** Milliseconds since the epoch, for timestamps a person reads. */
  wallNow(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};
