import { describe, expect, it } from '@jest/globals';
import { PrefixCacheDeltas } from './counter-deltas.js';

const one = (v: number) => new Map([['engine="0"', v]]);

describe('PrefixCacheDeltas', () => {
  it('has no ratio on the first scrape: lifetime totals are never a hit ratio', () => {
    const d = new PrefixCacheDeltas();
    expect(d.observe(one(900), one(1000))).toEqual({ ratio: null, hitsDelta: 0, queriesDelta: 0 });
    expect([d.hitsTotal, d.queriesTotal]).toEqual([0, 0]);
  });

  it('divides the increases between consecutive scrapes', () => {
    const d = new PrefixCacheDeltas();
    d.observe(one(900), one(1000));
    // Lifetime 93% but this interval 50%: the interval is what the gauge must show.
    expect(d.observe(one(950), one(1100))).toEqual({ ratio: 0.5, hitsDelta: 50, queriesDelta: 100 });
    expect(d.observe(one(1040), one(1200)).ratio).toBeCloseTo(0.9);
    expect([d.hitsTotal, d.queriesTotal]).toEqual([140, 200]);
  });

  it('treats a counter that went down as a reset, like rate(): the new value is the increase', () => {
    const d = new PrefixCacheDeltas();
    d.observe(one(900), one(1000));
    const step = d.observe(one(30), one(40));
    expect(step).toEqual({ ratio: 0.75, hitsDelta: 30, queriesDelta: 40 });
    d.observe(one(60), one(80));
    // Our totals only ever grow, whatever the replica's counters did.
    expect([d.hitsTotal, d.queriesTotal]).toEqual([60, 80]);
  });

  it('is null when no queries arrived in the interval', () => {
    const d = new PrefixCacheDeltas();
    d.observe(one(10), one(20));
    expect(d.observe(one(10), one(20))).toEqual({ ratio: null, hitsDelta: 0, queriesDelta: 0 });
  });

  it('tracks each label set on its own, so one engine restarting does not read as negative', () => {
    const d = new PrefixCacheDeltas();
    const two = (a: number, b: number) =>
      new Map([
        ['engine="0"', a],
        ['engine="1"', b],
      ]);
    d.observe(two(100, 500), two(200, 1000));
    // Engine 1 restarted (500 -> 10): its increase is 10, engine 0's is 20.
    expect(d.observe(two(120, 10), two(240, 20))).toEqual({ ratio: 0.5, hitsDelta: 30, queriesDelta: 60 });
  });

  it('starts a new baseline after a scrape without counters', () => {
    const d = new PrefixCacheDeltas();
    d.observe(one(10), one(20));
    expect(d.observe(null, null).ratio).toBeNull();
    d.observe(one(10), one(20));
    expect(d.observe(one(20), one(40)).ratio).toBe(0.5);
  });
});
