/**
 * Every bucket list kvcanary exports. Classic (not native) histograms: Debian's Prometheus 2.42 and
 * promtool cannot read native histograms, and prom-client 15 cannot emit them.
 */

/**
 * Time to first token of interactive serving. Users feel the difference between 50, 100 and 300 ms,
 * and the reference benchmark's published runs live between 40 ms (cached later turns) and 850 ms
 * (P99 round-robin), so the buckets are fine from 10 ms to 2 s (at most ~25-50% apart,
 * which keeps histogram_quantile's linear interpolation error small where SLOs are set), then coarse
 * up to 60 s so that queueing storms and cold starts are still counted in a bucket instead of +Inf.
 */
export const TTFT_BUCKETS = [
  0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.08, 0.1, 0.125, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.75, 1, 1.25, 1.5, 2, 3, 5, 10, 20, 30,
  60,
] as const;

/** Whole streamed answers (hundreds of tokens): sub-second to the reference tool's 120 s timeout and beyond. */
export const REQUEST_DURATION_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300] as const;

/** Gaps between streamed tokens: a healthy GPU decodes in 5-50 ms per token; seconds mean a stall. */
export const INTER_TOKEN_LATENCY_BUCKETS = [
  0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.04, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2.5,
] as const;
