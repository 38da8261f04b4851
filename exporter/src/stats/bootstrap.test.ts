import { describe, expect, it } from '@jest/globals';
import { seededRandom } from '../util/random.js';
import { bootstrapDifference, bootstrapSample, type TtftSample } from './bootstrap.js';

/** Each conversation's size (its document): the same script gives both runs the same work. */
function work(seed: number): number[] {
  const r = seededRandom(seed);
  return Array.from({ length: 40 }, () => r.uniform(0.7, 1.3));
}

/** Synthetic runs: 40 conversations x 10 turns, turn 1 slow, later turns fast, with noise. */
function run(seed: number, firstMs: number, laterMs: number, sizes = work(seed)): TtftSample[] {
  const r = seededRandom(seed + 1000);
  const out: TtftSample[] = [];
  sizes.forEach((size, c) => {
    for (let t = 1; t <= 10; t++) out.push({ conversation: c, turn: t, ttftMs: (t === 1 ? firstMs : laterMs) * size * r.uniform(0.9, 1.1) });
  });
  return out;
}

describe('bootstrap', () => {
  it('gives an interval around each statistic of one sample, reproducible with a seed', () => {
    const sample = run(1, 300, 100);
    const a = bootstrapSample(sample, { random: seededRandom(7), iterations: 400 });
    const b = bootstrapSample(sample, { random: seededRandom(7), iterations: 400 });
    expect(a).toEqual(b);
    const [low, high] = a.cacheSpeedup ?? [0, 0];
    expect(low).toBeGreaterThan(2.5);
    expect(high).toBeLessThan(3.5);
    expect(a.p50?.[0]).toBeLessThanOrEqual(a.p50?.[1] ?? -1);
  });

  it('contains the true difference between two runs and calls a real one significant', () => {
    const sizes = work(5);
    const baseline = run(1, 300, 150, sizes);
    const candidate = run(2, 300, 75, sizes); // later turns twice as fast: speedup 2 -> 4
    const truth = (-75 * sizes.reduce((a, b) => a + b, 0)) / sizes.length;
    const d = bootstrapDifference(baseline, candidate, { random: seededRandom(3), iterations: 500, paired: true });
    expect(d.paired).toBe(true);
    expect(d.pairs).toBe(400);
    const speedup = d.differences.cacheSpeedup;
    expect(speedup.ci95?.[0]).toBeLessThan(2);
    expect(speedup.ci95?.[1]).toBeGreaterThan(2);
    expect(speedup.significant).toBe(true);
    const later = d.differences.laterTurnsMean;
    expect(later.ci95?.[0]).toBeLessThan(truth);
    expect(later.ci95?.[1]).toBeGreaterThan(truth);
    expect(later.significant).toBe(true);
  });

  it('covers the true difference in about 95% of repeated experiments, and calls noise noise', () => {
    let covered = 0;
    let falseAlarms = 0;
    const experiments = 60;
    for (let e = 0; e < experiments; e++) {
      const sizes = work(100 + e);
      const truth = (-75 * sizes.reduce((a, b) => a + b, 0)) / sizes.length;
      const d = bootstrapDifference(run(2 * e, 300, 150, sizes), run(2 * e + 1, 300, 75, sizes), {
        random: seededRandom(e),
        iterations: 200,
        paired: true,
      });
      const [low, high] = d.differences.laterTurnsMean.ci95 ?? [0, 0];
      if (low <= truth && truth <= high) covered++;
      // Same first-turn work on both sides: a significant difference there is a false alarm.
      if (d.differences.firstTurnMean.significant) falseAlarms++;
    }
    expect(covered / experiments).toBeGreaterThanOrEqual(0.85);
    expect(falseAlarms / experiments).toBeLessThanOrEqual(0.15);
  });

  it('falls back to unpaired when the runs share no (conversation, turn)', () => {
    const baseline = run(1, 300, 100);
    const candidate = run(2, 300, 100).map((s) => ({ ...s, conversation: s.conversation + 1000 }));
    const d = bootstrapDifference(baseline, candidate, { random: seededRandom(3), iterations: 300, paired: true });
    expect(d.paired).toBe(false);
    expect(d.differences.p50.significant).toBe(false);
    expect(d.differences.p50.ci95?.[0]).toBeLessThan(0);
  });

  it('is reproducible with a seed and empty samples give no interval', () => {
    const x = bootstrapDifference(run(1, 300, 100), run(2, 300, 90), { random: seededRandom(9), iterations: 200, paired: false });
    const y = bootstrapDifference(run(1, 300, 100), run(2, 300, 90), { random: seededRandom(9), iterations: 200, paired: false });
    expect(x).toEqual(y);
    expect(bootstrapSample([], { random: seededRandom(1) }).p50).toBeNull();
    expect(bootstrapDifference([], run(1, 1, 1), { random: seededRandom(1), paired: true }).differences.p95.ci95).toBeNull();
  });
});
