import { describe, expect, it } from '@jest/globals';
import { distribution, referencePercentile } from './percentile.js';

/** The reference tool's method, written as it reads: sorted[int(n * p)]. */
function reference(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.trunc(sorted.length * p)] as number;
}

describe('referencePercentile (the reference tool: sorted[int(n*p)], no interpolation)', () => {
  it('with n = 110, P99 is the second largest and P50 the 56th', () => {
    const values = Array.from({ length: 110 }, (_, i) => i + 1); // 1..110
    const sorted = Float64Array.from(values);
    expect(referencePercentile(sorted, 0.99)).toBe(109);
    expect(referencePercentile(sorted, 0.95)).toBe(105); // int(104.5) = 104 -> the 105th value
    expect(referencePercentile(sorted, 0.5)).toBe(56);
  });

  it.each([1, 2, 3, 10, 19, 20, 21, 99, 100, 101, 110, 1000])('matches the reference on n = %i', (n) => {
    const values = Array.from({ length: n }, (_, i) => ((i * 7919) % 1009) + i / 1000);
    const d = distribution(values);
    expect(d?.p50).toBe(reference(values, 0.5));
    expect(d?.p95).toBe(reference(values, 0.95));
    expect(d?.p99).toBe(reference(values, 0.99));
    expect(d?.min).toBe(Math.min(...values));
    expect(d?.max).toBe(Math.max(...values));
  });

  it('does not interpolate between neighbours', () => {
    expect(referencePercentile(Float64Array.from([10, 20]), 0.5)).toBe(20);
    expect(referencePercentile(Float64Array.from([10, 20, 30, 40]), 0.95)).toBe(40);
  });

  it('is NaN on an empty sample and distribution is null', () => {
    expect(referencePercentile(new Float64Array(0), 0.5)).toBeNaN();
    expect(distribution([])).toBeNull();
  });
});
