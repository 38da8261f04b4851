/**
 * What an inference gateway's endpoint picker believes about its pool, read from the picker's own
 * /metrics. The names changed three times; each list is newest first, and one page is read by one
 * generation only (llm-d's picker emits old and new names side by side, so adding them would count
 * every queue twice). Sources:
 * - llm-d/llm-d-router docs/metrics.md (`llm_d_epp_*`; `llm_d_router_epp_*` is its historical prefix,
 *   pkg/epp/metrics/llm_d_router_metrics.go) and pkg/epp/metrics/collectors/inference_pool_test.go;
 * - kubernetes-sigs/gateway-api-inference-extension site-src/guides/metrics.md (`inference_pool_*`,
 *   `inference_objective_*`, before that `inference_model_*`).
 * The picker keeps no per-pod KV figure: KV-cache usage is the pool's mean only.
 */
import type { SchedulerView } from '@kvcanary/contract/schemas';
import type { Sample } from './exposition-parser.js';

export const PICKER_METRICS = {
  /** Per endpoint: the metric, and the label naming the endpoint in that generation. */
  endpointQueue: [
    { name: 'llm_d_epp_per_endpoint_queue_size', label: 'model_server_endpoint' },
    { name: 'llm_d_router_epp_per_endpoint_queue_size', label: 'model_server_endpoint' },
    { name: 'inference_pool_per_pod_queue_size', label: 'model_server_pod' },
  ],
  averageKvCache: ['llm_d_epp_average_kv_cache_utilization', 'llm_d_router_epp_average_kv_cache_utilization', 'inference_pool_average_kv_cache_utilization'],
  averageQueue: ['llm_d_epp_average_queue_size', 'llm_d_router_epp_average_queue_size', 'inference_pool_average_queue_size'],
  running: ['llm_d_epp_request_running', 'llm_d_router_epp_running_requests', 'inference_objective_running_requests', 'inference_model_running_requests'],
} as const;

const NAMES = new Set<string>([
  ...PICKER_METRICS.endpointQueue.map((e) => e.name),
  ...PICKER_METRICS.averageKvCache,
  ...PICKER_METRICS.averageQueue,
  ...PICKER_METRICS.running,
]);

/** What a page was expected to carry, for the log line of a picker page that carries none of it. */
export const EXPECTED_PICKER_NAMES = [...PICKER_METRICS.endpointQueue.map((e) => e.name), ...PICKER_METRICS.averageKvCache].join(', ');

export function isPickerMetric(name: string): boolean {
  return NAMES.has(name);
}

/**
 * A data-parallel server is one endpoint per rank, named `<pod>-rank-<n>` (llm-d-router's
 * inference_pool_test.go: `pod1.Name + "-rank-0"`); its ranks' queues are the pod's queue.
 */
const RANK_SUFFIX = /-rank-\d+$/;

export interface PickerPage {
  /** Waiting requests per pod, ranks added up. */
  queueByPod: Map<string, number>;
  /** The pool-level figures (null when absent, or when the page covers several pools: whose would they be?). */
  pool: Omit<SchedulerView, 'up'>;
  /** The `name` labels (InferencePool names) of the pool figures. */
  pools: string[];
  /** Whether the page carries any name above. */
  recognised: boolean;
}

export function readPickerPage(samples: readonly Sample[]): PickerPage {
  const byName = new Map<string, Sample[]>();
  for (const s of samples) if (NAMES.has(s.name) && Number.isFinite(s.value)) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
  const pick = (names: readonly string[]): Sample[] => names.map((n) => byName.get(n)).find((found) => found !== undefined) ?? [];

  const queueByPod = new Map<string, number>();
  const generation = PICKER_METRICS.endpointQueue.find((e) => byName.has(e.name));
  for (const s of generation ? (byName.get(generation.name) ?? []) : []) {
    const endpoint = s.labels[generation?.label ?? ''];
    if (!endpoint || s.value < 0) continue;
    const pod = endpoint.replace(RANK_SUFFIX, '');
    queueByPod.set(pod, (queueByPod.get(pod) ?? 0) + s.value);
  }

  const kv = pick(PICKER_METRICS.averageKvCache);
  const queue = pick(PICKER_METRICS.averageQueue);
  const pools = [...new Set([...kv, ...queue].map((s) => s.labels.name ?? ''))].sort();
  const onePool = pools.length <= 1;
  const running = pick(PICKER_METRICS.running).filter((s) => s.value >= 0);
  return {
    queueByPod,
    pool: {
      kvCacheUsage: onePool ? ratioOf(kv) : null,
      averageQueueSize: onePool && queue[0] && queue[0].value >= 0 ? queue[0].value : null,
      requestsRunning: running.length > 0 ? running.reduce((a, s) => a + s.value, 0) : null,
    },
    pools,
    recognised: byName.size > 0,
  };
}

function ratioOf(samples: readonly Sample[]): number | null {
  const v = samples[0]?.value;
  return v !== undefined && v >= 0 && v <= 1 ? v : null;
}
