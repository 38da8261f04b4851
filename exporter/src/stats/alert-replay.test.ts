import { describe, expect, it } from '@jest/globals';
import { TTFT_BUCKETS, defaultRuleConfig } from '@kvcanary/contract';
import { seededRandom } from '../util/random.js';
import { noChange, replay, replayedAlerts, type Change, type ReplaySample } from './alert-replay.js';
import { bucketIndex, histogramQuantile } from './histogram-quantile.js';

const bounds = [...TTFT_BUCKETS];
const rules = defaultRuleConfig;
const alerts = replayedAlerts(rules).map((a) => (a.tier ? `${a.alert} ${a.tier}` : a.alert));
const REGRESSION = alerts.indexOf('KVCanaryTTFTP95Regression');
const SPEEDUP = alerts.indexOf('KVCanaryCacheSpeedupCollapsed');

/** Every first turn at 0.3 s, every later turn at 0.1 s: one conversation of ten turns, over and over. */
const constant: ReplaySample[] = Array.from({ length: 10 }, (_, i) => ({ seconds: i === 0 ? 0.3 : 0.1, firstTurn: i === 0 }));
const times = (f: number): Change => (s) => s.seconds * f;
const laterTimes = (f: number): Change => (s) => (s.firstTurn ? s.seconds : s.seconds * f);

/** One probe a second, scraped every 15 s, the default rules: 19 scrape intervals in the 5m figure window. */
const run = (change: Change, o: { runSeconds: number; requestsPerSecond?: number; samples?: ReplaySample[] }) =>
  replay({
    samples: o.samples ?? constant,
    settings: { rules, bounds, scrapeIntervalSeconds: 15, requestsPerSecond: o.requestsPerSecond ?? 1 },
    change,
    random: seededRandom(7),
    warmupSeconds: 3900,
    runSeconds: o.runSeconds,
    stopWhenAllFired: false,
  });

describe('histogramQuantile (PromQL histogram_quantile)', () => {
  it('interpolates inside the bucket that holds the rank, from 0 in the first bucket', () => {
    // The promtool scenario's figure: 10 observations under 0.1 s read as P95 0.095 s.
    expect(histogramQuantile(0.95, [0.1, 0.25], [10, 0, 0])).toBeCloseTo(0.095, 12);
    expect(histogramQuantile(0.5, [0.1, 0.25], [5, 5, 0])).toBeCloseTo(0.1, 12);
    expect(histogramQuantile(0.95, [0.1, 0.25], [0, 0, 4])).toBe(0.25);
    expect(histogramQuantile(0.95, [0.1, 0.25], [0, 0, 0])).toBeNaN();
  });

  it('puts a value on a bucket bound into that bucket (le is inclusive)', () => {
    expect(bucketIndex(bounds, 0.1)).toBe(bounds.indexOf(0.1));
    expect(bucketIndex(bounds, 0.1000001)).toBe(bounds.indexOf(0.1) + 1);
    expect(bucketIndex(bounds, 1000)).toBe(bounds.length);
  });
});

describe('replay of the default rules on a constant stream (exact arithmetic)', () => {
  it('never fires while nothing changes', () => {
    const quiet = run(noChange, { runSeconds: 86_400 });
    expect(quiet.episodes).toEqual(alerts.map(() => 0));
  });

  it('catches P95 x2 one evaluation after the change plus the 15m hold: 930 s', () => {
    // Every TTFT at 0.3 s, in the bucket (0.25, 0.3]: recorded P95 0.2975 s. Doubled: 0.6 s, in (0.5, 0.6].
    const slow = constant.map((s) => ({ ...s, seconds: 0.3 }));
    const out = run(times(2), { runSeconds: 3600, samples: slow });
    // At the first evaluation after the change, 2 of the window's 19 scrape intervals (10.5% > 5%) are new: P95 is
    // interpolated in (0.5, 0.6], over 1.5x the reference 0.2975 s and over the floor; it has held 15m at 30 s + 900 s.
    expect(out.firstFiring[REGRESSION]).toBe(930);
  });

  it('does not call a 1.25x change of a 0.3 s service a regression: 0.375 s is under 1.5x', () => {
    const slow = constant.map((s) => ({ ...s, seconds: 0.3 }));
    expect(run(times(1.25), { runSeconds: 3600, samples: slow }).firstFiring[REGRESSION]).toBeNull();
  });

  it('catches the cache speedup halving (3x to 1.5x) once more than half the window is new, plus 15m: 1050 s', () => {
    // Later turns 0.1 -> 0.2 s: the window's later-turn mean passes 0.15 s (speedup 2) when over half of its 19 intervals
    // are new, at the fifth evaluation (10 of 19); 150 s + the 900 s hold.
    expect(run(laterTimes(2), { runSeconds: 3600 }).firstFiring[SPEEDUP]).toBe(1050);
  });

  it('stays quiet on a target too sparse to have minProbeRequests in its window', () => {
    const slow = constant.map((s) => ({ ...s, seconds: 0.3 }));
    // 0.05 probes a second: 14.25 in the 285 s the window spans, under the 20 the rules require.
    const sparse = run(times(2), { runSeconds: 7200, samples: slow, requestsPerSecond: 0.05 });
    expect(sparse.firstFiring[REGRESSION]).toBeNull();
    expect(run(times(2), { runSeconds: 7200, samples: slow, requestsPerSecond: 0.1 }).firstFiring[REGRESSION]).not.toBeNull();
  });

  it('pages on every burn-rate tier only when probes really miss the 1 s objective', () => {
    const slow = constant.map((s) => ({ ...s, seconds: 0.6 }));
    const out = run(times(2), { runSeconds: 4 * 3600, samples: slow });
    const tiers = alerts.flatMap((a, i) => (a.startsWith('KVCanaryTTFTSLOBurnRate') ? [out.firstFiring[i]] : []));
    // Every probe now takes 1.2 s, 100% violations: the 1h-5m tier fires after its 2m hold, once the short and long
    // windows pass 14.4% - the 5m window at its first evaluation (2 of 19 intervals), the 1h one at 30 s x ceil(0.144 x 239 / 2).
    expect(tiers[0]).toBe(30 * Math.ceil((0.144 * 239) / 2) + 120);
    expect(tiers.every((t) => t !== null)).toBe(true);
  });
});
