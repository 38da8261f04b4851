import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { OUTCOMES } from '@kvcanary/contract';
import { makeRecord } from '../test-support/records.js';
import { distribution, referencePercentile, sortedCopy } from './percentile.js';
import { summarize } from './summarize.js';

/**
 * Percentiles and cache speedup against brute-force oracles that share no code with them: the
 * oracle percentile finds the value by counting ranks (no sort), the oracle speedup filters the
 * records by turn and averages each side by hand.
 */

/** The reference tool's sorted[int(n * p)] (clamped to the last), found by rank counting: v with #(x < v) <= k < #(x <= v). */
function oraclePercentile(values: readonly number[], p: number): number {
  const k = Math.min(Math.floor(values.length * p), values.length - 1);
  const found = values.find((v) => {
    const below = values.filter((x) => x < v).length;
    const atOrBelow = values.filter((x) => x <= v).length;
    return below <= k && k < atOrBelow;
  });
  if (found === undefined) throw new Error('no value has that rank');
  return found;
}

function oracleMean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

const durations = fc.array(fc.double({ min: 0, max: 1e6, noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 200 });
const quantile = fc.oneof(fc.constantFrom(0, 0.5, 0.95, 0.99, 1), fc.double({ min: 0, max: 1, noNaN: true }));

describe('percentiles against a rank-counting oracle', () => {
  it('referencePercentile is the value of rank int(n*p)', () => {
    fc.assert(
      fc.property(durations, quantile, (values, p) => {
        expect(referencePercentile(sortedCopy(values), p)).toBe(oraclePercentile(values, p));
      }),
      { numRuns: 1000 },
    );
  });

  it('distribution: count, min, max, mean and P50/P95/P99', () => {
    fc.assert(
      fc.property(durations, (values) => {
        expect(distribution(values)).toEqual({
          count: values.length,
          min: values.reduce((a, b) => (b < a ? b : a)),
          max: values.reduce((a, b) => (b > a ? b : a)),
          mean: oracleMean(values),
          p50: oraclePercentile(values, 0.5),
          p95: oraclePercentile(values, 0.95),
          p99: oraclePercentile(values, 0.99),
        });
      }),
      { numRuns: 500 },
    );
  });
});

describe('cache speedup against a by-hand oracle', () => {
  const requests = fc.array(
    fc.record({
      turn: fc.integer({ min: 1, max: 12 }),
      outcome: fc.constantFrom(...OUTCOMES),
      ttftMs: fc.double({ min: 0, max: 10_000, noNaN: true, noDefaultInfinity: true }),
    }),
    { maxLength: 150 },
  );

  it('is the mean TTFT of successful first turns over that of successful later turns', () => {
    fc.assert(
      fc.property(requests, (drawn) => {
        const records = drawn.map((d, i) => makeRecord({ conversation: i % 7, turn: d.turn, outcome: d.outcome, ttftMs: d.outcome === 'success' ? d.ttftMs : undefined }));
        const summary = summarize(records, { target: 'baseline', model: 'm', elapsedSeconds: 60, conversationsPlanned: 0, turnCap: 10 });
        const ok = drawn.filter((d) => d.outcome === 'success');
        const first = oracleMean(ok.filter((d) => d.turn === 1).map((d) => d.ttftMs));
        const later = oracleMean(ok.filter((d) => d.turn > 1).map((d) => d.ttftMs));
        expect([summary.firstTurnMeanMs, summary.laterTurnsMeanMs]).toEqual([first, later]);
        expect(summary.cacheSpeedup).toBe(first === null || later === null || later <= 0 ? null : first / later);
        expect(summary.ttft?.p95 ?? null).toBe(ok.length === 0 ? null : oraclePercentile(ok.map((d) => d.ttftMs), 0.95));
        expect(summary.requests).toBe(drawn.length);
      }),
      { numRuns: 500 },
    );
  });
});
