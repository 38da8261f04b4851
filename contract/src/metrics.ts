/**
 * Every metric kvcanary exposes: name, type, help, labels, buckets and unit, defined once. The
 * exporter builds its registries from these definitions; the rules, dashboards and panel read the
 * names from here; tests compare the live registry with this list.
 *
 * Names follow Prometheus conventions: base units in the name (`_seconds`, `_ratio`), `_total` on
 * counters only.
 *
 * Every series carries `vantage`, the place the exporter probes from (its config, default
 * `DEFAULT_VANTAGE`): two exporters probing one target from two places write two sets of series that
 * never collide. On the replica-scrape series it names the one vantage that scrapes the replicas
 * (`replicaScrape.vantage` in the exporter config), so a replica's counters are never counted twice.
 */
import { INTER_TOKEN_LATENCY_BUCKETS, REQUEST_DURATION_BUCKETS, TTFT_BUCKETS } from './buckets.js';

/** What a number is measured in; the panel converts by this, never by a value's size or a name's spelling. */
export type Unit = 'seconds' | 'ratio' | 'count' | 'tokens' | 'timestamp_seconds' | 'boolean' | 'info';

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary';

export interface MetricDefinition<L extends string = string> {
  name: string;
  type: MetricType;
  help: string;
  labels: readonly L[];
  unit: Unit;
  /** Histograms only: the upper bounds, ascending, without +Inf. */
  buckets?: readonly number[];
}

function define<const L extends string>(definition: MetricDefinition<L>): MetricDefinition<L> {
  return definition;
}

/** The long-lived series of the exporter's own registry (`/metrics`). */
export const exporterMetrics = {
  ttft: define({
    name: 'kvcanary_ttft_seconds',
    type: 'histogram',
    help: 'Time to first content token of canary requests, by turn (capped) and document type.',
    labels: ['target', 'model', 'turn', 'doc_type', 'vantage'],
    unit: 'seconds',
    buckets: TTFT_BUCKETS,
  }),
  timeToFirstContent: define({
    name: 'kvcanary_time_to_first_content_seconds',
    type: 'histogram',
    help: 'Time to the first non-empty delta.content of canary requests, reasoning deltas not counted (the reference tool\'s TTFT); the same as kvcanary_ttft_seconds for models that stream no reasoning.',
    labels: ['target', 'model', 'vantage'],
    unit: 'seconds',
    buckets: TTFT_BUCKETS,
  }),
  requestDuration: define({
    name: 'kvcanary_request_duration_seconds',
    type: 'histogram',
    help: 'Time from sending a canary request to the end of its stream.',
    labels: ['target', 'model', 'doc_type', 'vantage'],
    unit: 'seconds',
    buckets: REQUEST_DURATION_BUCKETS,
  }),
  interTokenLatency: define({
    name: 'kvcanary_inter_token_latency_seconds',
    type: 'histogram',
    help: 'Mean gap between streamed content chunks of a canary request (one observation per request).',
    labels: ['target', 'model', 'vantage'],
    unit: 'seconds',
    buckets: INTER_TOKEN_LATENCY_BUCKETS,
  }),
  requests: define({
    name: 'kvcanary_requests_total',
    type: 'counter',
    help: 'Canary requests by outcome.',
    labels: ['target', 'model', 'outcome', 'vantage'],
    unit: 'count',
  }),
  conversations: define({
    name: 'kvcanary_conversations_total',
    type: 'counter',
    help: 'Canary conversations finished, by outcome (success, or the outcome of the first failed turn).',
    labels: ['target', 'outcome', 'vantage'],
    unit: 'count',
  }),
  promptTokens: define({
    name: 'kvcanary_prompt_tokens_total',
    type: 'counter',
    help: 'Prompt tokens reported by the target in stream usage.',
    labels: ['target', 'model', 'vantage'],
    unit: 'tokens',
  }),
  completionTokens: define({
    name: 'kvcanary_completion_tokens_total',
    type: 'counter',
    help: 'Completion tokens reported by the target in stream usage.',
    labels: ['target', 'model', 'vantage'],
    unit: 'tokens',
  }),
  cachedPromptTokens: define({
    name: 'kvcanary_cached_prompt_tokens_total',
    type: 'counter',
    help: 'Prompt tokens the target reported as served from its prefix cache (usage.prompt_tokens_details.cached_tokens); absent for a target that never reported it (vLLM without --enable-prompt-tokens-details), which is not 0.',
    labels: ['target', 'model', 'vantage'],
    unit: 'tokens',
  }),
  ttftWindow: define({
    // Type summary, not gauge: a `quantile` label on a gauge fails `promtool check metrics`; Prometheus
    // stores the samples the same way. Quantiles only, no _sum/_count: a window's sum is no counter.
    name: 'kvcanary_ttft_window_seconds',
    type: 'summary',
    help: 'TTFT quantiles over the sliding window (exact order statistics; not aggregatable across exporters, use the histogram for that).',
    labels: ['target', 'quantile', 'vantage'],
    unit: 'seconds',
  }),
  ttftTurnWindow: define({
    name: 'kvcanary_ttft_turn_window_seconds',
    type: 'gauge',
    help: 'Mean TTFT by turn (capped) over the sliding window.',
    labels: ['target', 'turn', 'vantage'],
    unit: 'seconds',
  }),
  cacheSpeedup: define({
    name: 'kvcanary_cache_speedup_ratio',
    type: 'gauge',
    help: 'First-turn mean TTFT / later-turns mean TTFT over the sliding window.',
    labels: ['target', 'vantage'],
    unit: 'ratio',
  }),
  turnAffinity: define({
    name: 'kvcanary_turn_affinity_ratio',
    type: 'gauge',
    help: "Share of later turns served by the previous turn's replica, over the sliding window.",
    labels: ['target', 'vantage'],
    unit: 'ratio',
  }),
  replicaUp: define({
    name: 'kvcanary_replica_up',
    type: 'gauge',
    help: 'Whether the last scrape of the replica /metrics succeeded.',
    labels: ['target', 'replica', 'vantage'],
    unit: 'boolean',
  }),
  replicaPrefixCacheHitRatio: define({
    name: 'kvcanary_replica_prefix_cache_hit_ratio',
    type: 'gauge',
    help: "Prefix-cache hits / queries over the last 5 minutes, from the replica counters' increases (as rate() would), never lifetime totals.",
    labels: ['target', 'replica', 'vantage'],
    unit: 'ratio',
  }),
  replicaKvCacheUsage: define({
    name: 'kvcanary_replica_kv_cache_usage_ratio',
    type: 'gauge',
    help: 'KV-cache usage of the replica, 0-1.',
    labels: ['target', 'replica', 'vantage'],
    unit: 'ratio',
  }),
  replicaRequestsRunning: define({
    name: 'kvcanary_replica_requests_running',
    type: 'gauge',
    help: 'Requests running on the replica.',
    labels: ['target', 'replica', 'vantage'],
    unit: 'count',
  }),
  replicaRequestsWaiting: define({
    name: 'kvcanary_replica_requests_waiting',
    type: 'gauge',
    help: 'Requests waiting in the replica queue.',
    labels: ['target', 'replica', 'vantage'],
    unit: 'count',
  }),
  replicaGpuUtilization: define({
    name: 'kvcanary_replica_gpu_utilization_ratio',
    type: 'gauge',
    help: 'GPU utilisation of the replica from DCGM: DCGM_FI_PROF_GR_ENGINE_ACTIVE where present, else DCGM_FI_DEV_GPU_UTIL / 100; a MIG instance is its own gpu value ("0-mig1").',
    labels: ['target', 'replica', 'gpu', 'vantage'],
    unit: 'ratio',
  }),
  replicaPrefixCacheHits: define({
    name: 'kvcanary_replica_prefix_cache_hits_total',
    type: 'counter',
    help: 'Prefix-cache hits of the replica (tokens), reset-corrected since the exporter started.',
    labels: ['target', 'replica', 'vantage'],
    unit: 'tokens',
  }),
  replicaPrefixCacheQueries: define({
    name: 'kvcanary_replica_prefix_cache_queries_total',
    type: 'counter',
    help: 'Prefix-cache queries of the replica (tokens), reset-corrected since the exporter started.',
    labels: ['target', 'replica', 'vantage'],
    unit: 'tokens',
  }),
  replicaProbeRequests: define({
    name: 'kvcanary_replica_probe_requests_total',
    type: 'counter',
    help: 'Canary requests attributed to a replica by its response header.',
    labels: ['target', 'replica', 'vantage'],
    unit: 'count',
  }),
  replicaPrefixCacheEnabled: define({
    name: 'kvcanary_replica_prefix_cache_enabled',
    type: 'gauge',
    help: 'Whether the replica caches prefixes, as it says itself (vllm:cache_config_info, vLLM V0 hit rate -1 = off); absent when its page does not say. No hit ratio is exported for a replica at 0.',
    labels: ['target', 'replica', 'vantage'],
    unit: 'boolean',
  }),
  replicaEnginePhaseSeconds: define({
    name: 'kvcanary_replica_engine_phase_seconds_total',
    type: 'counter',
    help: "Seconds the replica reports its requests spent in a phase (the _sum of its own histogram: vllm:time_to_first_token_seconds, vllm:request_queue_time_seconds, vllm:request_prefill_time_seconds), reset-corrected; over every request it served, not only kvcanary's.",
    labels: ['target', 'replica', 'phase', 'vantage'],
    unit: 'seconds',
  }),
  replicaEnginePhaseRequests: define({
    name: 'kvcanary_replica_engine_phase_requests_total',
    type: 'counter',
    help: 'Requests in the same histogram of the replica (its _count), reset-corrected; rate(seconds) / rate(requests) is the mean.',
    labels: ['target', 'replica', 'phase', 'vantage'],
    unit: 'count',
  }),
  replicaPreemptions: define({
    name: 'kvcanary_replica_preemptions_total',
    type: 'counter',
    help: 'Preemptions the replica reports (vllm:num_preemptions_total), reset-corrected.',
    labels: ['target', 'replica', 'vantage'],
    unit: 'count',
  }),
  replicaSchedulerQueue: define({
    name: 'kvcanary_replica_scheduler_queue_size',
    type: 'gauge',
    help: "Requests waiting on the replica as the endpoint picker last saw them (inference_pool_per_pod_queue_size, llm_d_epp_per_endpoint_queue_size); beside kvcanary_replica_requests_waiting, the replica's own figure, it shows a stale picture.",
    labels: ['target', 'replica', 'vantage'],
    unit: 'count',
  }),
  schedulerUp: define({
    name: 'kvcanary_scheduler_up',
    type: 'gauge',
    help: "Whether the last scrape of the target's endpoint picker /metrics succeeded.",
    labels: ['target', 'vantage'],
    unit: 'boolean',
  }),
  schedulerKvCacheUsage: define({
    name: 'kvcanary_scheduler_kv_cache_usage_ratio',
    type: 'gauge',
    help: "Mean KV-cache usage of the pool as the endpoint picker sees it (inference_pool_average_kv_cache_utilization, llm_d_epp_average_kv_cache_utilization), 0-1.",
    labels: ['target', 'vantage'],
    unit: 'ratio',
  }),
  schedulerAverageQueue: define({
    name: 'kvcanary_scheduler_average_queue_size',
    type: 'gauge',
    help: 'Mean queue per pod as the endpoint picker sees it (inference_pool_average_queue_size, llm_d_epp_average_queue_size).',
    labels: ['target', 'vantage'],
    unit: 'count',
  }),
  schedulerRequestsRunning: define({
    name: 'kvcanary_scheduler_requests_running',
    type: 'gauge',
    help: 'Requests in flight through the endpoint picker, all models (inference_objective_running_requests and its older and newer names).',
    labels: ['target', 'vantage'],
    unit: 'count',
  }),
  targetUp: define({
    name: 'kvcanary_target_up',
    type: 'gauge',
    help: 'Whether the last canary request to the target succeeded.',
    labels: ['target', 'vantage'],
    unit: 'boolean',
  }),
  lastSuccess: define({
    name: 'kvcanary_last_success_timestamp_seconds',
    type: 'gauge',
    help: 'Unix time of the last successful canary request to the target.',
    labels: ['target', 'vantage'],
    unit: 'timestamp_seconds',
  }),
  targetInfo: define({
    name: 'kvcanary_target_info',
    type: 'gauge',
    help: 'Configured targets, their role in the comparison (baseline, candidate or none), the digest of the canary workload they run and the vantage that probes them; always 1.',
    labels: ['target', 'role', 'workload', 'vantage'],
    unit: 'info',
  }),
  buildInfo: define({
    name: 'kvcanary_build_info',
    type: 'gauge',
    help: 'kvcanary version; always 1.',
    labels: ['version', 'vantage'],
    unit: 'info',
  }),
} as const;

/**
 * The series of one on-demand probe (`/probe?target=NAME`), in a registry built fresh for each request
 * as blackbox_exporter does; a failed probe is `kvcanary_probe_success 0`.
 */
export const probeMetrics = {
  success: define({
    name: 'kvcanary_probe_success',
    type: 'gauge',
    help: 'Whether every turn of the probe conversation succeeded.',
    labels: ['vantage'],
    unit: 'boolean',
  }),
  duration: define({
    name: 'kvcanary_probe_duration_seconds',
    type: 'gauge',
    help: 'Wall time of the whole probe conversation.',
    labels: ['vantage'],
    unit: 'seconds',
  }),
  requests: define({
    name: 'kvcanary_probe_requests',
    type: 'gauge',
    help: 'Requests of the probe conversation, by outcome.',
    labels: ['outcome', 'vantage'],
    unit: 'count',
  }),
  ttft: define({
    name: 'kvcanary_probe_ttft_seconds',
    type: 'gauge',
    help: 'TTFT of each turn of the probe conversation (turns past the cap: their mean).',
    labels: ['turn', 'vantage'],
    unit: 'seconds',
  }),
  cacheSpeedup: define({
    name: 'kvcanary_probe_cache_speedup_ratio',
    type: 'gauge',
    help: 'First-turn TTFT / mean later-turn TTFT of the probe conversation.',
    labels: ['vantage'],
    unit: 'ratio',
  }),
  turnAffinity: define({
    name: 'kvcanary_probe_turn_affinity_ratio',
    type: 'gauge',
    help: "Share of the probe's later turns served by the previous turn's replica.",
    labels: ['vantage'],
    unit: 'ratio',
  }),
} as const;

export type ExporterMetricKey = keyof typeof exporterMetrics;

/** The sample names a metric puts on a page: a histogram's `_bucket`, `_sum` and `_count`, else its name. */
export function sampleNames(m: MetricDefinition): string[] {
  if (m.type === 'histogram') return [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`];
  return [m.name];
}

/** One sample series of a histogram, for PromQL: `histogramSeries(exporterMetrics.ttft, 'bucket')`. */
export function histogramSeries(m: MetricDefinition, part: 'bucket' | 'sum' | 'count'): string {
  if (m.type !== 'histogram') throw new Error(`${m.name} is a ${m.type}, not a histogram`);
  return `${m.name}_${part}`;
}
