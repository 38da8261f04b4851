import { describe, expect, it } from '@jest/globals';
import type { ClientFigures } from './measure.js';
import { judge, median, roundSpread } from './verdict.js';

const fig = (cpu: number, p50 = 0.5, p99 = 2): ClientFigures => ({
  samples: 100,
  failures: 0,
  errorP50Ms: p50,
  errorP99Ms: p99,
  errorMaxMs: p99,
  cpuMicrosPerRequest: cpu,
  wallMs: 1000,
});

describe('median and roundSpread', () => {
  it('takes the middle value, or the mean of the middle two', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('pairs rounds by index and reports the spread', () => {
    const s = roundSpread([100, 200, 100], [110, 100, 150]);
    expect(s.ratios).toEqual([1.1, 0.5, 1.5]);
    expect(s).toMatchObject({ rounds: 3, median: 1.1, min: 0.5, max: 1.5 });
  });

  it('skips rounds with no floor reading', () => {
    expect(roundSpread([0, 100], [50, 90]).ratios).toEqual([0.9]);
  });
});

describe('judge', () => {
  it('judges CPU on the median of per-round ratios when rounds are given, not on the pooled ratio', () => {
    // One disturbed round makes the pooled figure 1.3x; the typical round is 1.0x.
    const spread = roundSpread([100, 100, 100, 100, 100], [100, 100, 100, 100, 250]);
    const r = judge(4, 500, fig(100), fig(130), true, spread);
    expect(r.ratios.cpu).toBe(1);
    expect(r.ratios.cpuPooled).toBeCloseTo(1.3);
    expect(r.failures).toEqual([]);
  });

  it('keeps the 1.1x CPU bar: a median above it fails', () => {
    const spread = roundSpread([100, 100, 100], [115, 112, 90]);
    expect(judge(4, 300, fig(100), fig(105), true, spread).failures).toEqual(['CPU ratio 1.12x (median of 3 rounds) > 1.1x']);
  });

  it('falls back to the pooled CPU ratio without rounds, and does not judge CPU when told not to', () => {
    expect(judge(4, 300, fig(100), fig(111), true).failures).toEqual(['CPU 111 us/request > 110 us']);
    expect(judge(1000, 300, fig(100), fig(200), false).failures).toEqual([]);
  });

  it('keeps the error bars at 1.2x the floor plus 1 ms, at p50 and p99', () => {
    expect(judge(16, 100, fig(100, 1, 2), fig(100, 2.2, 3.4), true).failures).toEqual([]);
    expect(judge(16, 100, fig(100, 1, 2), fig(100, 2.3, 3.5), true).failures).toEqual([
      'p50 error 2.30 ms > 2.20 ms',
      'p99 error 3.50 ms > 3.40 ms',
    ]);
  });
});
