/**
 * One table of the engine metric names we read, and the step that turns a replica's parsed samples
 * into engine-neutral raw figures. Sources (the engines' own code and docs):
 * - vLLM V1 (current): vllm/v1/metrics/loggers.py, labels `model_name`, `engine`.
 * - vLLM V0 and early V1: the `gpu_` names, renamed in V1; `gpu_prefix_cache_hit_rate` is V0-only.
 * - SGLang: python/sglang/srt/metrics/collector.py and docs/references/production_metrics.md.
 * - DCGM: NVIDIA dcgm-exporter's default counters; the simulator serves the same name.
 * The first name of a list that a replica exposes wins, so a replica exposing both V1 and V0 names
 * (some transitional releases did) is read once, by its V1 name.
 */
import type { Sample } from './exposition-parser.js';

export const ENGINE_METRICS = {
  /** Counters, in tokens (the very first V1 releases counted blocks; the ratio is the same). */
  prefixCacheHits: ['vllm:prefix_cache_hits_total', 'vllm:gpu_prefix_cache_hits_total'],
  prefixCacheQueries: ['vllm:prefix_cache_queries_total', 'vllm:gpu_prefix_cache_queries_total'],
  /**
   * Gauges some engines compute themselves, used only when a replica has no counters above:
   * vLLM V0's is the engine's own running average; SGLang's is over recent batches.
   */
  prefixCacheHitRate: ['vllm:gpu_prefix_cache_hit_rate', 'sglang:cache_hit_rate'],
  /** 0-1 fractions despite vLLM's `_perc` suffix; SGLang's token_usage is the KV pool in use. */
  kvCacheUsage: ['vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc', 'sglang:token_usage'],
  running: ['vllm:num_requests_running', 'sglang:num_running_reqs'],
  waiting: ['vllm:num_requests_waiting', 'sglang:num_queue_reqs'],
} as const;

/** NVIDIA dcgm-exporter: GPU utilisation in percent, labels `gpu`, `UUID`, and `pod` when mapped. */
export const DCGM_GPU_UTIL = 'DCGM_FI_DEV_GPU_UTIL';

const WANTED = new Set<string>([...Object.values(ENGINE_METRICS).flat(), DCGM_GPU_UTIL]);

/** Parser filter: keeps only the names this folder reads, so a large page costs little memory. */
export function isWantedMetric(name: string): boolean {
  return WANTED.has(name);
}

/** A replica's figures from one scrape, before any delta is taken. */
export interface RawFigures {
  /** Counter series by label set (each series is tracked on its own for resets); null if absent. */
  hits: Map<string, number> | null;
  queries: Map<string, number> | null;
  hitRateGauge: number | null;
  kvCacheUsage: number | null;
  running: number | null;
  waiting: number | null;
}

export function normalise(samples: readonly Sample[]): RawFigures {
  const byName = new Map<string, Sample[]>();
  for (const s of samples) {
    const list = byName.get(s.name);
    if (list) list.push(s);
    else byName.set(s.name, [s]);
  }
  const pick = (names: readonly string[]): Sample[] | null => {
    for (const n of names) {
      const found = byName.get(n);
      if (found && found.length > 0) return found;
    }
    return null;
  };
  return {
    hits: series(pick(ENGINE_METRICS.prefixCacheHits)),
    queries: series(pick(ENGINE_METRICS.prefixCacheQueries)),
    // Fractions average across engines (a sum of fractions is no fraction); counts add up.
    hitRateGauge: mean(pick(ENGINE_METRICS.prefixCacheHitRate)),
    kvCacheUsage: mean(pick(ENGINE_METRICS.kvCacheUsage)),
    running: sum(pick(ENGINE_METRICS.running)),
    waiting: sum(pick(ENGINE_METRICS.waiting)),
  };
}

/** A stable key for a label set, so the same series is found scrape after scrape. */
export function labelKey(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',');
}

function finite(samples: Sample[] | null): number[] {
  return samples ? samples.map((s) => s.value).filter((v) => Number.isFinite(v)) : [];
}

function sum(samples: Sample[] | null): number | null {
  const values = finite(samples);
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0);
}

function mean(samples: Sample[] | null): number | null {
  const values = finite(samples);
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

function series(samples: Sample[] | null): Map<string, number> | null {
  if (!samples) return null;
  const out = new Map<string, number>();
  for (const s of samples) {
    if (!Number.isFinite(s.value) || s.value < 0) continue;
    const key = labelKey(s.labels);
    out.set(key, (out.get(key) ?? 0) + s.value);
  }
  return out.size === 0 ? null : out;
}

/** GPU utilisation as 0-1 ratios by `gpu` label, for samples the caller already matched to a replica. */
export function gpuRatios(samples: readonly Sample[]): Map<string, number> {
  const acc = new Map<string, { total: number; n: number }>();
  for (const s of samples) {
    if (s.name !== DCGM_GPU_UTIL || !Number.isFinite(s.value)) continue;
    const gpu = s.labels.gpu ?? s.labels.UUID ?? '0';
    const a = acc.get(gpu) ?? { total: 0, n: 0 };
    a.total += Math.min(100, Math.max(0, s.value)) / 100;
    a.n++;
    acc.set(gpu, a);
  }
  const out = new Map<string, number>();
  for (const [gpu, a] of acc) out.set(gpu, a.total / a.n);
  return out;
}
