import { describe, expect, it } from '@jest/globals';
import type { RunDifference, Statistic } from '../stats/bootstrap.js';
import { summarize } from '../stats/summarize.js';
import { makeRecord } from '../test-support/records.js';
import { formatComparison, latencyImprovement, ratioImprovement } from './compare-report.js';

describe('improvement wording (as the reference table)', () => {
  it('reads the published rows the same way', () => {
    expect(latencyImprovement(123, 92)).toBe('25% faster');
    expect(latencyImprovement(745, 272)).toBe('63% faster');
    expect(latencyImprovement(841, 674)).toBe('20% faster');
    expect(ratioImprovement(1.79, 3.84)).toBe('2.1× better');
    expect(latencyImprovement(100, 112)).toBe('12% slower');
    expect(latencyImprovement(100, 100.2)).toBe('same');
    expect(ratioImprovement(2, 2.1)).toBe('5% better');
    expect(ratioImprovement(2, 1.8)).toBe('10% worse');
  });
});

describe('formatComparison', () => {
  it('prints the table with intervals and verdicts (golden)', () => {
    const rec = (turn: number, ttftMs: number) => makeRecord({ turn, ttftMs });
    const baseline = summarize([rec(1, 350), rec(2, 200), rec(3, 190)], { target: 'a', model: 'm', elapsedSeconds: 1, conversationsPlanned: 1 });
    const candidate = summarize([rec(1, 360), rec(2, 90), rec(3, 95)], { target: 'b', model: 'm', elapsedSeconds: 1, conversationsPlanned: 1 });
    const d = (estimate: number, low: number, high: number) => ({ estimate, ci95: [low, high] as const, significant: low > 0 || high < 0 });
    const differences: Record<Statistic, RunDifference['differences'][Statistic]> = {
      p50: d(-105, -130, -80),
      p95: d(10, -20, 40),
      p99: d(10, -20, 40),
      cacheSpeedup: d(2.03, 1.5, 2.6),
      firstTurnMean: d(10, -15, 35),
      laterTurnsMean: d(-102.5, -120, -85),
    };
    const text = formatComparison({ names: ['vllm', 'llm-d'], baseline, candidate, workloads: ['0123456789ab', '0123456789ab'], difference: { paired: true, pairs: 3, differences }, iterations: 1000, seed: 7 });
    expect(text.split('\n')).toEqual([
      '| Metric                  | vllm   | llm-d  | Improvement | llm-d - vllm (95% CI)     | Verdict      |',
      '|-------------------------|--------|--------|-------------|---------------------------|--------------|',
      '| P50 TTFT                | 200 ms | 95 ms  | 53% faster  | -105.0 ms [-130.0, -80.0] | significant  |',
      '| P95 TTFT                | 350 ms | 360 ms | 3% slower   | +10.0 ms [-20.0, +40.0]   | within noise |',
      '| P99 TTFT                | 350 ms | 360 ms | 3% slower   | +10.0 ms [-20.0, +40.0]   | within noise |',
      '| Cache speedup           | 1.79×  | 3.89×  | 2.2× better | +2.03× [+1.50, +2.60]     | significant  |',
      '| First turn TTFT (mean)  | 350 ms | 360 ms | 3% slower   | +10.0 ms [-15.0, +35.0]   | within noise |',
      '| Later turns TTFT (mean) | 195 ms | 93 ms  | 53% faster  | -102.5 ms [-120.0, -85.0] | significant  |',
      '',
      '95% intervals: bootstrap over conversations, 1000 resamples, seed 7; paired by (conversation, turn) over 3 request pairs: both runs used the same script.',
      'A difference is significant when its interval excludes zero; otherwise it is within the noise of these two runs.',
    ]);
    const across = formatComparison({ names: ['vllm', 'llm-d'], baseline, candidate, workloads: ['0123456789ab', 'ba9876543210'], difference: { paired: false, pairs: 0, differences }, iterations: 1000, seed: 7 });
    expect(across).toContain('unpaired: different workloads (vllm 0123456789ab, llm-d ba9876543210), compared anyway as asked (--across-workloads).');
  });
});
