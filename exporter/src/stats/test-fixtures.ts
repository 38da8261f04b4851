import type { RequestRecord } from '@kvcanary/contract/schemas';
import type { Clock } from '../util/clock.js';

/** A successful request with fixed times; tests override only what they are about. */
export function makeRecord(overrides: Partial<RequestRecord> = {}): RequestRecord {
  return {
    target: 'baseline',
    conversation: 0,
    turn: 1,
    docType: 'TEXT',
    document: 'doc.md',
    outcome: 'success',
    startedAt: 1_700_000_000_000,
    ttftMs: 100,
    totalMs: 1000,
    ...overrides,
  };
}

/** A clock that moves only when told; sleeps resolve when the clock passes their deadline. */
export interface FakeClock extends Clock {
  advance(ms: number): void;
}

export function fakeClock(start = 0): FakeClock {
  let t = start;
  const sleepers: { at: number; resolve: () => void }[] = [];
  return {
    now: () => t,
    wallNow: () => 1_700_000_000_000 + t,
    sleep: (ms, signal) =>
      new Promise<void>((resolve) => {
        if (ms <= 0 || signal?.aborted) return resolve();
        sleepers.push({ at: t + ms, resolve });
        signal?.addEventListener('abort', () => resolve(), { once: true });
      }),
    advance(ms) {
      t += ms;
      for (let i = sleepers.length - 1; i >= 0; i--) {
        const s = sleepers[i];
        if (s && s.at <= t) {
          sleepers.splice(i, 1);
          s.resolve();
        }
      }
    },
  };
}
