import type { Clock } from '../util/clock.js';

interface Timer {
  at: number;
  resolve: () => void;
}

/** A clock that only moves when a test says so, so engine timing is asserted exactly. */
export class FakeClock implements Clock {
  private t = 0;
  private timers: Timer[] = [];

  now(): number {
    return this.t;
  }

  wallNow(): number {
    return 1_700_000_000_000 + this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const timer: Timer = { at: this.t + Math.max(0, ms), resolve };
      this.timers.push(timer);
      signal?.addEventListener('abort', () => {
        this.timers = this.timers.filter((x) => x !== timer);
        resolve();
      }, { once: true });
    });
  }

  /** Move time forward by `ms`, firing timers in order and letting their continuations run. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settle();
      const next = this.timers.reduce<Timer | undefined>((a, b) => (a === undefined || b.at < a.at ? b : a), undefined);
      if (next === undefined || next.at > end) break;
      this.timers = this.timers.filter((x) => x !== next);
      this.t = next.at;
      next.resolve();
    }
    this.t = end;
    await settle();
  }

  /** Timers still pending: zero once a simulation has gone idle. */
  pending(): number {
    return this.timers.length;
  }

  /**
   * Moves time on in `stepMs` steps until `done()` holds; fails once `limitMs` of simulated time has
   * passed without it, so a test that would wait forever fails instead.
   */
  async runUntil(done: () => boolean, options: { stepMs?: number; limitMs?: number } = {}): Promise<void> {
    const stepMs = options.stepMs ?? 1;
    const limitMs = options.limitMs ?? 600_000;
    for (let elapsed = 0; !done(); elapsed += stepMs) {
      if (elapsed >= limitMs) throw new Error(`condition not met within ${limitMs} ms of simulated time`);
      await this.advance(stepMs);
    }
  }

  /** Moves time on until `promise` settles, and returns (or throws) what it settled with. */
  async settle<T>(promise: Promise<T>, options: { stepMs?: number; limitMs?: number } = {}): Promise<T> {
    let settled = false;
    const watched = promise.finally(() => {
      settled = true;
    });
    // Observed here, so a rejection is not reported as unhandled while time is still moving.
    watched.catch(() => undefined);
    await this.runUntil(() => settled, options);
    return watched;
  }

  /**
   * Resolves once some code is asleep on this clock, for loops whose work between sleeps is real I/O
   * (a scrape over loopback): yields to the event loop until the loop has gone back to sleep.
   */
  async sleeping(): Promise<void> {
    while (this.timers.length === 0) await settle();
  }
}

/** Let every queued promise continuation run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
