import { describe, expect, it } from '@jest/globals';
import { CounterTotal, HIT_RATIO_WINDOW_MS, WindowedPair, windowMean, windowRatio } from './counter-deltas.js';

const one = (v: number) => new Map([['engine="0"', v]]);
const SCRAPE_MS = 2000;
let now = 0;
/** Each call is the next scrape, two seconds after the last. */
const next = (): number => (now += SCRAPE_MS);

/** One scrape of a hits/queries pair: the ratio over the window and what each counter grew by. */
function step(d: WindowedPair, hits: Map<string, number> | null, queries: Map<string, number> | null) {
  const before = [d.totalA, d.totalB];
  const w = d.observe(hits, queries, next());
  return { ratio: windowRatio(w), hitsDelta: d.totalA - (before[0] ?? 0), queriesDelta: d.totalB - (before[1] ?? 0) };
}

describe('WindowedPair as a hit ratio', () => {
  it('has no ratio on the first scrape: lifetime totals are never a hit ratio', () => {
    const d = new WindowedPair(HIT_RATIO_WINDOW_MS);
    expect(step(d, one(900), one(1000))).toEqual({ ratio: null, hitsDelta: 0, queriesDelta: 0 });
    expect([d.totalA, d.totalB]).toEqual([0, 0]);
  });

  it('divides the increases over the trailing window, not the lifetime totals', () => {
    const d = new WindowedPair(HIT_RATIO_WINDOW_MS);
    step(d, one(900), one(1000));
    // Lifetime 93% but 50% since the first scrape: the increases are what the gauge must show.
    expect(step(d, one(950), one(1100))).toEqual({ ratio: 0.5, hitsDelta: 50, queriesDelta: 100 });
    // 90% in this interval alone, 70% over the window: one interval is too short to judge a cache by.
    expect(step(d, one(1040), one(1200)).ratio).toBeCloseTo(0.7);
    expect([d.totalA, d.totalB]).toEqual([140, 200]);
  });

  it('forgets increases older than the window', () => {
    const d = new WindowedPair(60_000);
    step(d, one(0), one(0));
    step(d, one(0), one(100));
    for (let i = 0; i < 30; i++) step(d, one(100 + 9 * i), one(200 + 10 * i));
    // The early misses (0 of 100) are more than a minute old: only the 90% increases remain.
    expect(step(d, one(100 + 9 * 30), one(200 + 10 * 30)).ratio).toBeCloseTo(0.9);
  });

  it('treats a counter that went down as a reset, like rate(): the new value is the increase', () => {
    const d = new WindowedPair(HIT_RATIO_WINDOW_MS);
    step(d, one(900), one(1000));
    expect(step(d, one(30), one(40))).toEqual({ ratio: 0.75, hitsDelta: 30, queriesDelta: 40 });
    step(d, one(60), one(80));
    // Our totals only ever grow, whatever the replica's counters did.
    expect([d.totalA, d.totalB]).toEqual([60, 80]);
  });

  it('is null when no queries arrived in the interval', () => {
    const d = new WindowedPair(HIT_RATIO_WINDOW_MS);
    step(d, one(10), one(20));
    expect(step(d, one(10), one(20))).toEqual({ ratio: null, hitsDelta: 0, queriesDelta: 0 });
  });

  it('tracks each label set on its own, so one engine restarting does not read as negative', () => {
    const d = new WindowedPair(HIT_RATIO_WINDOW_MS);
    const two = (a: number, b: number) =>
      new Map([
        ['engine="0"', a],
        ['engine="1"', b],
      ]);
    step(d, two(100, 500), two(200, 1000));
    // Engine 1 restarted (500 -> 10): its increase is 10, engine 0's is 20.
    expect(step(d, two(120, 10), two(240, 20))).toEqual({ ratio: 0.5, hitsDelta: 30, queriesDelta: 60 });
  });

  it('starts a new baseline after a scrape without counters', () => {
    const d = new WindowedPair(HIT_RATIO_WINDOW_MS);
    step(d, one(10), one(20));
    expect(step(d, null, null).ratio).toBeNull();
    step(d, one(10), one(20));
    expect(step(d, one(20), one(40)).ratio).toBe(0.5);
  });
});

describe('WindowedPair as a histogram mean', () => {
  it('is the mean of the observations made over the window, across a reset', () => {
    const d = new WindowedPair(HIT_RATIO_WINDOW_MS);
    // A histogram's _sum (seconds) and _count: 12 requests took 1.75 s before we started.
    d.observe(one(1.75), one(12), next());
    // 8 more requests, 2 s between them: 0.25 s each.
    expect(windowMean(d.observe(one(3.75), one(20), next()))).toBeCloseTo(0.25);
    // The engine restarted and served 2 requests of 0.5 s: (2 + 1) / (8 + 2) over the window.
    expect(windowMean(d.observe(one(1), one(2), next()))).toBeCloseTo(0.3);
    expect(d.seen).toBe(true);
  });

  it('has no mean when one of the pair is missing, and never saw it', () => {
    const d = new WindowedPair(HIT_RATIO_WINDOW_MS);
    d.observe(null, one(140), next());
    expect(windowMean(d.observe(null, one(150), next()))).toBeNull();
    expect(d.seen).toBe(false);
  });
});

describe('CounterTotal', () => {
  it('adds increases across resets and knows whether the counter was ever there', () => {
    const c = new CounterTotal();
    expect(c.seen).toBe(false);
    c.observe(one(5));
    c.observe(one(7));
    c.observe(one(1));
    expect([c.total, c.seen]).toEqual([3, true]);
  });
});
