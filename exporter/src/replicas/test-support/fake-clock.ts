import type { Clock } from '../../util/clock.js';

/** A clock that moves only when told; sleep resolves at once, so loops are driven by the test. */
export class FakeClock implements Clock {
  private t = 0;
  now(): number {
    return this.t;
  }
  wallNow(): number {
    return 1_700_000_000_000 + this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (!signal?.aborted) this.t += ms;
    // Yield to the event loop so a start()ed loop cannot starve the test.
    return new Promise((resolve) => setImmediate(resolve));
  }
}
