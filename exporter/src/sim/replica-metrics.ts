import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Engine, EngineObserver, FinishedRequest } from './engine.js';
import { BLOCK_TOKENS } from './block-hash.js';
import { DCGM_GPU_UTIL, ITL_BUCKETS, REQUEST_TIME_BUCKETS, TTFT_BUCKETS, VLLM } from './metric-names.js';

/** DCGM samples utilisation over a short window; ten seconds keeps the figure steady but current. */
const GPU_UTIL_WINDOW_MS = 10_000;

export interface ReplicaIdentity {
  name: string;
  model: string;
  namespace: string;
  numGpuBlocks: number;
}

/**
 * One replica's registry (its own, so replicas side by side never share a series): vLLM V1 metrics
 * labelled model_name and engine, plus the DCGM GPU-utilisation gauge. Gauges are read from the
 * engine at scrape time; counters and histograms are fed by the engine's observer.
 */
export function createReplicaMetrics(id: ReplicaIdentity, engine: () => Engine): { registry: Registry; observer: EngineObserver } {
  const registry = new Registry();
  const labels = { model_name: id.model, engine: '0' };
  const labelNames = ['model_name', 'engine'] as const;
  const registers = [registry];

  new Gauge({ name: VLLM.numRequestsRunning, help: 'Number of requests in model execution batches.', labelNames, registers, collect() { this.set(labels, engine().runningCount()); } });
  new Gauge({ name: VLLM.numRequestsWaiting, help: 'Number of requests waiting to be processed.', labelNames, registers, collect() { this.set(labels, engine().waitingCount()); } });
  new Gauge({ name: VLLM.kvCacheUsagePerc, help: 'KV-cache usage. 1 means 100 percent usage.', labelNames, registers, collect() { this.set(labels, engine().kv.usage()); } });
  new Gauge({
    name: DCGM_GPU_UTIL, help: 'GPU utilization (in %).', labelNames: ['gpu', 'pod', 'namespace', 'container'], registers,
    collect() { this.set({ gpu: '0', pod: id.name, namespace: id.namespace, container: 'vllm' }, Math.round(engine().utilization(GPU_UTIL_WINDOW_MS) * 100)); },
  });
  const cacheInfo = new Gauge({ name: VLLM.cacheConfigInfo, help: 'Information of the LLMEngine CacheConfig', labelNames: ['block_size', 'num_gpu_blocks', 'enable_prefix_caching', 'cache_dtype'], registers });
  cacheInfo.set({ block_size: String(BLOCK_TOKENS), num_gpu_blocks: String(id.numGpuBlocks), enable_prefix_caching: 'True', cache_dtype: 'auto' }, 1);
  const counter = (name: string, help: string, extra: string[] = []): Counter<string> => new Counter({ name, help, labelNames: [...labelNames, ...extra], registers });
  const queries = counter(VLLM.prefixCacheQueries, 'Prefix cache queries, in terms of number of queried tokens.');
  const hits = counter(VLLM.prefixCacheHits, 'Prefix cache hits, in terms of number of cached tokens.');
  const promptTokens = counter(VLLM.promptTokens, 'Number of prefill tokens processed.');
  const generationTokens = counter(VLLM.generationTokens, 'Number of generation tokens processed.');
  const success = counter(VLLM.requestSuccess, 'Count of successfully processed requests.', ['finished_reason']);
  const preemptions = counter(VLLM.numPreemptions, 'Cumulative number of preemption from the engine.');
  const histogram = (name: string, help: string, buckets: number[]): Histogram<string> => new Histogram({ name, help, labelNames, buckets, registers });
  const ttft = histogram(VLLM.timeToFirstToken, 'Histogram of time to first token in seconds.', TTFT_BUCKETS);
  const itl = histogram(VLLM.interTokenLatency, 'Histogram of inter-token latency in seconds.', ITL_BUCKETS);
  const e2e = histogram(VLLM.e2eRequestLatency, 'Histogram of e2e request latency in seconds.', REQUEST_TIME_BUCKETS);
  const queue = histogram(VLLM.requestQueueTime, 'Histogram of time spent in WAITING phase for request.', REQUEST_TIME_BUCKETS);
  const prefill = histogram(VLLM.requestPrefillTime, 'Histogram of time spent in PREFILL phase for request.', REQUEST_TIME_BUCKETS);
  const decode = histogram(VLLM.requestDecodeTime, 'Histogram of time spent in DECODE phase for request.', REQUEST_TIME_BUCKETS);

  // Series that exist from the start, so a fresh replica already exposes every name.
  queries.inc(labels, 0);
  hits.inc(labels, 0);
  promptTokens.inc(labels, 0);
  generationTokens.inc(labels, 0);
  preemptions.inc(labels, 0);
  for (const reason of ['stop', 'length', 'abort']) success.inc({ ...labels, finished_reason: reason }, 0);

  const observer: EngineObserver = {
    onScheduled({ promptTokens: n, cachedTokens }) {
      queries.inc(labels, n);
      hits.inc(labels, cachedTokens);
    },
    onToken(gapMs) {
      itl.observe(labels, gapMs / 1000);
    },
    onFinished(r: FinishedRequest) {
      success.inc({ ...labels, finished_reason: r.finishReason });
      if (r.finishReason === 'abort') return;
      promptTokens.inc(labels, r.promptTokens);
      generationTokens.inc(labels, r.completionTokens);
      e2e.observe(labels, (r.finishedAt - r.arrivedAt) / 1000);
      if (r.scheduledAt === undefined || r.firstTokenAt === undefined) return;
      ttft.observe(labels, (r.firstTokenAt - r.arrivedAt) / 1000);
      queue.observe(labels, (r.scheduledAt - r.arrivedAt) / 1000);
      prefill.observe(labels, (r.firstTokenAt - r.scheduledAt) / 1000);
      decode.observe(labels, (r.finishedAt - r.firstTokenAt) / 1000);
    },
  };
  return { registry, observer };
}
