/**
 * Every PromQL expression the dashboards run. They read the recording rules of monitoring/src/rules.ts
 * (aggregated across exporters, counters through rate()) or raw design-4.3 metrics with an explicit
 * aggregation, never a lifetime-counter ratio. test/monitoring-dashboards.test.ts parses each one with
 * promtool and checks every metric it names exists.
 */

/** Target selector for the overview panels (multi-value `$target` is formatted as a regex by Grafana). */
const targets = 'target=~"$target"';
/** The two targets the comparison panel shows. */
const pair = 'target=~"$baseline|$candidate"';

export const variableQueries = {
  target: 'label_values(kvcanary_target_info, target)',
  baseline: 'label_values(kvcanary_target_info{role="baseline"}, target)',
  candidate: 'label_values(kvcanary_target_info{role="candidate"}, target)',
} as const;

export interface Query {
  expr: string;
  legend: string;
}

/**
 * Instant queries the comparison panel reads. It classifies series by their names (recorded-series names
 * say p95, speedup, first/later turn, replica hit/usage/gpu) and by the `target` label, so one query per
 * figure is enough.
 */
export const comparisonQueries: Query[] = [
  { expr: `target:kvcanary_ttft_seconds:p50{${pair}}`, legend: '{{target}} P50' },
  { expr: `target:kvcanary_ttft_seconds:p95{${pair}}`, legend: '{{target}} P95' },
  { expr: `target:kvcanary_ttft_seconds:p99{${pair}}`, legend: '{{target}} P99' },
  { expr: `target:kvcanary_cache_speedup:ratio{${pair}}`, legend: '{{target}} cache speedup' },
  { expr: `target:kvcanary_ttft_seconds:mean_first_turn{${pair}}`, legend: '{{target}} TTFT first turn' },
  { expr: `target:kvcanary_ttft_seconds:mean_later_turns{${pair}}`, legend: '{{target}} TTFT later turns' },
  { expr: `target_turn:kvcanary_ttft_seconds:mean{${pair}}`, legend: '{{target}} TTFT turn {{turn}}' },
  { expr: `target_replica:kvcanary_replica_prefix_cache_hits:ratio{${pair}}`, legend: '{{target}} {{replica}} KV hit' },
  { expr: `max by (target, replica) (kvcanary_replica_kv_cache_usage_ratio{${pair}})`, legend: '{{target}} {{replica}} KV cache usage' },
  { expr: `avg by (target, replica) (kvcanary_replica_gpu_utilization_ratio{${pair}})`, legend: '{{target}} {{replica}} GPU' },
  { expr: `sum by (target, outcome) (increase(kvcanary_requests_total{${pair}}[$__range]))`, legend: '{{target}} requests {{outcome}}' },
];

export const overviewQueries = {
  ttftPercentiles: [
    { expr: `target:kvcanary_ttft_seconds:p50{${targets}}`, legend: '{{target}} P50' },
    { expr: `target:kvcanary_ttft_seconds:p95{${targets}}`, legend: '{{target}} P95' },
    { expr: `target:kvcanary_ttft_seconds:p99{${targets}}`, legend: '{{target}} P99' },
  ],
  ttftByTurn: [{ expr: `target_turn:kvcanary_ttft_seconds:mean{${targets}}`, legend: '{{target}} turn {{turn}}' }],
  cacheSpeedup: [{ expr: `target:kvcanary_cache_speedup:ratio{${targets}}`, legend: '{{target}}' }],
  candidateOverBaseline: [
    { expr: 'target:kvcanary_ttft_seconds:p50_over_baseline', legend: '{{target}} / {{baseline}} P50' },
    { expr: 'target:kvcanary_ttft_seconds:p95_over_baseline', legend: '{{target}} / {{baseline}} P95' },
    { expr: 'target:kvcanary_ttft_seconds:p99_over_baseline', legend: '{{target}} / {{baseline}} P99' },
    { expr: 'target:kvcanary_cache_speedup:ratio_over_baseline', legend: '{{target}} / {{baseline}} cache speedup' },
  ],
  replicaKvHit: [{ expr: `target_replica:kvcanary_replica_prefix_cache_hits:ratio{${targets}}`, legend: '{{target}} {{replica}}' }],
  // Gauges: max/avg by (target, replica) folds the copies several exporters (vantage points) expose.
  replicaKvUsage: [{ expr: `max by (target, replica) (kvcanary_replica_kv_cache_usage_ratio{${targets}})`, legend: '{{target}} {{replica}}' }],
  replicaGpu: [{ expr: `avg by (target, replica) (kvcanary_replica_gpu_utilization_ratio{${targets}})`, legend: '{{target}} {{replica}}' }],
  replicaQueue: [
    { expr: `max by (target, replica) (kvcanary_replica_requests_running{${targets}})`, legend: '{{target}} {{replica}} running' },
    { expr: `max by (target, replica) (kvcanary_replica_requests_waiting{${targets}})`, legend: '{{target}} {{replica}} waiting' },
  ],
  errorsByOutcome: [
    {
      expr: `sum by (target, outcome) (rate(kvcanary_requests_total{${targets}, outcome!="success"}[$__rate_interval]))`,
      legend: '{{target}} {{outcome}}',
    },
  ],
  errorRatio: [{ expr: `target:kvcanary_requests:error_ratio{${targets}}`, legend: '{{target}}' }],
  alerts: [{ expr: 'max by (alertname, alertstate, severity, target, replica, baseline, reason) (ALERTS{alertname=~"KVCanary.*"})', legend: '' }],
} satisfies Record<string, Query[]>;

/** Every expression above, for the tests. */
export function allExpressions(): string[] {
  return [
    ...Object.values(variableQueries),
    ...comparisonQueries.map((q) => q.expr),
    ...Object.values(overviewQueries).flatMap((qs) => qs.map((q) => q.expr)),
  ];
}
