import type { HistoryPoint, Summary } from '@kvcanary/contract/schemas';
import type { Clock } from '../util/clock.js';

/** One point a minute: the resolution a person reads a day of trend lines at. */
export const HISTORY_INTERVAL_MS = 60_000;

/** A point as stored: numbers only, about 190 bytes of heap each, so a day of points is about 0.27 MB per target (measured with node --expose-gc, 10 targets x 1440 points). */
function pointOf(s: Summary, at: number): HistoryPoint {
  const success = s.outcomes.success ?? 0;
  return {
    at,
    requests: s.requests,
    p50Ms: s.ttft?.p50 ?? null,
    p95Ms: s.ttft?.p95 ?? null,
    p99Ms: s.ttft?.p99 ?? null,
    cacheSpeedup: s.cacheSpeedup,
    errorRatio: s.requests === 0 ? null : (s.requests - success) / s.requests,
  };
}

/**
 * The window figures of every target over time, one point per minute, the oldest dropped beyond
 * `maxPoints`: memory is bounded by targets x maxPoints whatever the uptime. `record` may be called as
 * often as convenient; it adds a point only once a minute has passed on the injected clock since the last.
 */
export class FigureHistory {
  private readonly points = new Map<string, HistoryPoint[]>();
  private lastAt: number | null = null;

  constructor(private readonly options: { maxPoints: number; clock: Clock }) {
    if (!(options.maxPoints >= 1)) throw new RangeError('maxPoints must be at least 1');
  }

  get maxPoints(): number {
    return this.options.maxPoints;
  }

  /** Adds a point per target from the current window summaries if a minute has passed; true when it did. */
  record(summaries: readonly Summary[]): boolean {
    const now = this.options.clock.now();
    if (this.lastAt !== null && now - this.lastAt < HISTORY_INTERVAL_MS) return false;
    this.lastAt = now;
    const at = this.options.clock.wallNow();
    for (const s of summaries) {
      const list = this.points.get(s.target) ?? [];
      list.push(pointOf(s, at));
      if (list.length > this.options.maxPoints) list.splice(0, list.length - this.options.maxPoints);
      this.points.set(s.target, list);
    }
    return true;
  }

  of(target: string): readonly HistoryPoint[] {
    return this.points.get(target) ?? [];
  }
}
