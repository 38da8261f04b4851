import type { Distribution } from '@kvcanary/contract/schemas';

/**
 * The reference tool's percentile: `sorted[int(n * p)]`, no interpolation.
 * With n = 110, P99 is the second largest value. Kept exactly so that our figures and the published
 * ones are computed the same way. `sorted` must be ascending; NaN when empty.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
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

/** Min, max, mean and the reference percentiles of a set of durations; null when there are none. */
export function distribution(values: readonly number[]): Distribution | null {
  if (values.length === 0) return null;
  const sorted = sortedCopy(values);
  return {
    count: sorted.length,
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
    mean: mean(values),
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    p99: percentile(sorted, 0.99),
  };
}
