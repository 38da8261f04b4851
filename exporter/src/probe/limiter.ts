/**
 * At most `limit` holders at once; waiters queue in order. Used to bound the requests in flight per
 * target when conversations are started at a rate rather than by a fixed set of workers.
 */
export class Limiter {
  private active = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
  }

  get inFlight(): number {
    return this.active;
  }

  /** Resolves to a release function, or to null when the signal aborts first. */
  acquire(signal?: AbortSignal): Promise<(() => void) | null> {
    if (signal?.aborted) return Promise.resolve(null);
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve) => {
      const grant = (): void => {
        signal?.removeEventListener('abort', cancel);
        this.active++;
        resolve(this.releaser());
      };
      const cancel = (): void => {
        const i = this.waiters.indexOf(grant);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(null);
      };
      this.waiters.push(grant);
      signal?.addEventListener('abort', cancel, { once: true });
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.waiters.shift()?.();
    };
  }
}
