/**
 * Every metric name the simulator emits, in one place. Replica names and buckets follow vLLM V1's
 * metrics (vllm/v1/metrics/loggers.py; docs.vllm.ai "Production Metrics"); the GPU figure follows
 * NVIDIA's dcgm-exporter (DCGM_FI_DEV_GPU_UTIL, percent, with its Kubernetes pod labels). The router's
 * own metrics are ours, prefixed kvcanary_sim_router_.
 */
export const VLLM = {
  numRequestsRunning: 'vllm:num_requests_running',
  numRequestsWaiting: 'vllm:num_requests_waiting',
  kvCacheUsagePerc: 'vllm:kv_cache_usage_perc',
  prefixCacheQueries: 'vllm:prefix_cache_queries_total',
  prefixCacheHits: 'vllm:prefix_cache_hits_total',
  promptTokens: 'vllm:prompt_tokens_total',
  generationTokens: 'vllm:generation_tokens_total',
  requestSuccess: 'vllm:request_success_total',
  numPreemptions: 'vllm:num_preemptions_total',
  cacheConfigInfo: 'vllm:cache_config_info',
  timeToFirstToken: 'vllm:time_to_first_token_seconds',
  interTokenLatency: 'vllm:inter_token_latency_seconds',
  e2eRequestLatency: 'vllm:e2e_request_latency_seconds',
  requestQueueTime: 'vllm:request_queue_time_seconds',
  requestPrefillTime: 'vllm:request_prefill_time_seconds',
  requestDecodeTime: 'vllm:request_decode_time_seconds',
} as const;

export const DCGM_GPU_UTIL = 'DCGM_FI_DEV_GPU_UTIL';

export const ROUTER = {
  requests: 'kvcanary_sim_router_requests_total',
  upstreamErrors: 'kvcanary_sim_router_upstream_errors_total',
  inFlight: 'kvcanary_sim_router_in_flight_requests',
  policyInfo: 'kvcanary_sim_router_policy_info',
} as const;

/** vLLM V1's TTFT buckets, verbatim. */
export const TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560];
/** vLLM V1's inter-token latency buckets. */
export const ITL_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80];
/** vLLM V1's request-time buckets (e2e, queue, prefill, decode). */
export const REQUEST_TIME_BUCKETS = [0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680];
