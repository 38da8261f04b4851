/**
 * Replica /metrics pages for the bench: a vLLM V1 page for one model (the families and buckets the
 * simulator serves, sim/metric-names.ts), its counters growing with each scrape so that hit ratios
 * are computed, optionally padded to a size with histogram series kvcanary does not read — how real
 * pages get large (one series set per LoRA adapter or model), and lines the exporter still has to parse.
 */
import { ITL_BUCKETS, REQUEST_TIME_BUCKETS, TTFT_BUCKETS, VLLM } from '../sim/metric-names.js';

const MODEL = 'Qwen/Qwen3-0.6B';
/** vLLM V1's per-request prompt-length histogram (vllm/v1/metrics/loggers.py, histogram_num_prompt_tokens_request). */
const PADDING_FAMILY = 'vllm:request_prompt_tokens';
/** vLLM's 1-2-5 buckets up to a 16k-token context (vllm/v1/metrics/loggers.py, build_1_2_5_buckets). */
const PADDING_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];

const labels = (extra = ''): string => `{engine="0",model_name="${MODEL}"${extra}}`;

function family(name: string, type: string, help: string, lines: readonly string[]): string {
  return `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${lines.join('\n')}\n`;
}

/** A histogram whose `count` observations fall evenly into its buckets' upper half. */
function histogramLines(name: string, buckets: readonly number[], count: number, extra = ''): string[] {
  const lines = buckets.map((le, i) => `${name}_bucket${labels(`${extra},le="${le}"`)} ${i < buckets.length / 2 ? 0 : Math.round((count * (i + 1)) / buckets.length)}.0`);
  lines.push(`${name}_bucket${labels(`${extra},le="+Inf"`)} ${count}.0`, `${name}_count${labels(extra)} ${count}.0`, `${name}_sum${labels(extra)} ${(count * 0.21).toFixed(3)}`);
  return lines;
}

/** The page of one replica at its `scrape`-th scrape (counters grow by one batch of requests per scrape). */
export function replicaPage(scrape: number): string {
  const requests = 40 * scrape;
  const gauge = (name: string, help: string, value: number): string => family(name, 'gauge', help, [`${name}${labels()} ${value}`]);
  const counter = (name: string, help: string, value: number): string => family(name, 'counter', help, [`${name}${labels()} ${value}.0`]);
  const histogram = (name: string, help: string, buckets: readonly number[]): string => family(name, 'histogram', help, histogramLines(name, buckets, requests));
  return [
    gauge(VLLM.numRequestsRunning, 'Number of requests in model execution batches.', 2),
    gauge(VLLM.numRequestsWaiting, 'Number of requests waiting to be processed.', 0),
    gauge(VLLM.kvCacheUsagePerc, 'KV-cache usage. 1 means 100 percent usage.', 0.31),
    family(VLLM.cacheConfigInfo, 'gauge', 'Information of the LLMEngine CacheConfig', [
      `${VLLM.cacheConfigInfo}{block_size="16",cache_dtype="auto",enable_prefix_caching="True",num_gpu_blocks="12000"} 1.0`,
    ]),
    counter(VLLM.prefixCacheQueries, 'Prefix cache queries, in terms of number of queried tokens.', 4000 * requests),
    counter(VLLM.prefixCacheHits, 'Prefix cache hits, in terms of number of cached tokens.', 2600 * requests),
    counter(VLLM.promptTokens, 'Number of prefill tokens processed.', 4000 * requests),
    counter(VLLM.generationTokens, 'Number of generation tokens processed.', 300 * requests),
    family(
      VLLM.requestSuccess,
      'counter',
      'Count of successfully processed requests.',
      ['stop', 'length', 'abort'].map((reason, i) => `${VLLM.requestSuccess}${labels(`,finished_reason="${reason}"`)} ${i === 0 ? requests : 0}.0`),
    ),
    counter(VLLM.numPreemptions, 'Cumulative number of preemption from the engine.', 0),
    histogram(VLLM.timeToFirstToken, 'Histogram of time to first token in seconds.', TTFT_BUCKETS),
    histogram(VLLM.interTokenLatency, 'Histogram of inter-token latency in seconds.', ITL_BUCKETS),
    histogram(VLLM.e2eRequestLatency, 'Histogram of e2e request latency in seconds.', REQUEST_TIME_BUCKETS),
    histogram(VLLM.requestQueueTime, 'Histogram of time spent in WAITING phase for request.', REQUEST_TIME_BUCKETS),
    histogram(VLLM.requestPrefillTime, 'Histogram of time spent in PREFILL phase for request.', REQUEST_TIME_BUCKETS),
    histogram(VLLM.requestDecodeTime, 'Histogram of time spent in DECODE phase for request.', REQUEST_TIME_BUCKETS),
  ].join('');
}

/** One histogram family of at least `bytes` bytes (nothing for 0), a series set per adapter. */
export function padding(bytes: number): string {
  if (bytes <= 0) return '';
  const lines: string[] = [];
  let size = 0;
  for (let adapter = 0; size < bytes; adapter++) {
    for (const line of histogramLines(PADDING_FAMILY, PADDING_BUCKETS, 10 + adapter, `,lora_name="adapter-${adapter}"`)) {
      lines.push(line);
      size += line.length + 1;
    }
  }
  return family(PADDING_FAMILY, 'histogram', 'Number of prefill tokens processed.', lines);
}
