import { describe, expect, it } from '@jest/globals';
import { PrefixCacheDeltas } from './counter-deltas.js';

const one = (v: number) => new Map([['engine="0"', v]]);
const SCRAPE_MS = 2000;
let now = 0;
/** Each call is the next scrape, two seconds after the last. */
const next = (): number => (now += SCRAPE_MS);

describe('PrefixCacheDeltas', () => {
  it('has no ratio on the first scrape: lifetime totals are never a hit ratio', () => {
    const d = new PrefixCacheDeltas();
    expect(d.observe(one(900), one(1000), next())).toEqual({ ratio: null, hitsDelta: 0, queriesDelta: 0 });
    expect([d.hitsTotal, d.queriesTotal]).toEqual([0, 0]);
  });

  it('divides the increases over the trailing window, not the lifetime totals', () => {
    const d = new PrefixCacheDeltas();
    d.observe(one(900), one(1000), next());
    // Lifetime 93% but 50% since the first scrape: the increases are what the gauge must show.
    expect(d.observe(one(950), one(1100), next())).toEqual({ ratio: 0.5, hitsDelta: 50, queriesDelta: 100 });
    // 90% in this interval alone, 70% over the window: one interval is too short to judge a cache by.
    expect(d.observe(one(1040), one(1200), next()).ratio).toBeCloseTo(0.7);
    expect([d.hitsTotal, d.queriesTotal]).toEqual([140, 200]);
  });

  it('forgets increases older than the window', () => {
    const d = new PrefixCacheDeltas(60_000);
    d.observe(one(0), one(0), next());
    d.observe(one(0), one(100), next());
    for (let i = 0; i < 30; i++) d.observe(one(100 + 9 * i), one(200 + 10 * i), next());
    // The early misses (0 of 100) are more than a minute old: only the 90% increases remain.
    expect(d.observe(one(100 + 9 * 30), one(200 + 10 * 30), next()).ratio).toBeCloseTo(0.9);
  });

  it('treats a counter that went down as a reset, like rate(): the new value is the increase', () => {
    const d = new PrefixCacheDeltas();
    d.observe(one(900), one(1000), next());
    const step = d.observe(one(30), one(40), next());
    expect(step).toEqual({ ratio: 0.75, hitsDelta: 30, queriesDelta: 40 });
    d.observe(one(60), one(80), next());
    // Our totals only ever grow, whatever the replica's counters did.
    expect([d.hitsTotal, d.queriesTotal]).toEqual([60, 80]);
  });

  it('is null when no queries arrived in the interval', () => {
    const d = new PrefixCacheDeltas();
    d.observe(one(10), one(20), next());
    expect(d.observe(one(10), one(20), next())).toEqual({ ratio: null, hitsDelta: 0, queriesDelta: 0 });
  });

  it('tracks each label set on its own, so one engine restarting does not read as negative', () => {
    const d = new PrefixCacheDeltas();
    const two = (a: number, b: number) =>
      new Map([
        ['engine="0"', a],
        ['engine="1"', b],
      ]);
    d.observe(two(100, 500), two(200, 1000), next());
    // Engine 1 restarted (500 -> 10): its increase is 10, engine 0's is 20.
    expect(d.observe(two(120, 10), two(240, 20), next())).toEqual({ ratio: 0.5, hitsDelta: 30, queriesDelta: 60 });
  });

  it('starts a new baseline after a scrape without counters', () => {
    const d = new PrefixCacheDeltas();
    d.observe(one(10), one(20), next());
    expect(d.observe(null, null, next()).ratio).toBeNull();
    d.observe(one(10), one(20), next());
    expect(d.observe(one(20), one(40), next()).ratio).toBe(0.5);
  });
});
