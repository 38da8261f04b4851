import type { Distribution } from '@kvcanary/contract/schemas';

/**
 * The reference tool's percentile: `sorted[int(n * p)]`, no interpolation (the seed document's
 * benchmark script computes its summary this way). With n = 110, P99 is the second largest value.
 * Every percentile kvcanary prints or exports from raw durations uses it, so bench, the window
 * gauges and /api/v1/summary compare with each other and with the published runs. `sorted` must be
 * ascending; NaN when empty.
 */
export function referencePercentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  // Same floating-point product as Python's int(n * p); the clamp only matters for p >= 1.
  const index = Math.min(Math.floor(n * p), n - 1);
  return sorted[Math.max(0, index)] as number;
}

export function mean(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i] as number;
  return sum / n;
}

/** Ascending copy as a typed array: numeric sort without a comparator, and no boxing. */
export function sortedCopy(values: readonly number[]): Float64Array {
  return Float64Array.from(values).sort();
}

/** Min, max, mean and the reference tool's percentiles (referencePercentile) of a set of durations; null when there are none. */
export function distribution(values: readonly number[]): Distribution | null {
  if (values.length === 0) return null;
  const sorted = sortedCopy(values);
  return {
    count: sorted.length,
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
    mean: mean(values),
    p50: referencePercentile(sorted, 0.5),
    p95: referencePercentile(sorted, 0.95),
    p99: referencePercentile(sorted, 0.99),
  };
}
