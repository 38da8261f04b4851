/**
 * PromQL's `histogram_quantile` over classic buckets, as Prometheus computes it (prometheus/prometheus
 * promql/quantile.go, bucketQuantile): the rank q * count falls in the first bucket whose cumulative
 * count reaches it, and the value is interpolated linearly inside that bucket, from 0 for the first one;
 * a rank in the +Inf bucket answers the highest finite bound. `kvcanary plan` replays the alert rules
 * with it, so a simulated P95 carries the same bucket error as the recorded one.
 */

/** Index of the bucket a value falls in: the first bound at or above it (`le` is inclusive); `bounds.length` is +Inf. */
export function bucketIndex(bounds: readonly number[], value: number): number {
  let lo = 0;
  let hi = bounds.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (value <= (bounds[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * `counts[i]` observations in bucket i (not cumulative), the last entry being the +Inf bucket; `bounds`
 * the finite upper bounds, ascending. NaN when there is no observation, as in Prometheus.
 */
export function histogramQuantile(q: number, bounds: readonly number[], counts: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i <= bounds.length; i++) total += counts[i] as number;
  if (!(total > 0)) return Number.NaN;
  let rank = q * total;
  let below = 0;
  for (let b = 0; b <= bounds.length; b++) {
    const inBucket = counts[b] as number;
    if (below + inBucket >= rank) {
      if (b === bounds.length) return bounds[b - 1] as number;
      const start = b === 0 ? 0 : (bounds[b - 1] as number);
      const end = bounds[b] as number;
      if (b === 0 && end <= 0) return end;
      rank -= below;
      return start + (end - start) * (rank / inBucket);
    }
    below += inBucket;
  }
  return bounds[bounds.length - 1] as number;
}
