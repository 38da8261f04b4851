/**
 * One table of the engine metric names we read, and the pure step that turns a replica's parsed
 * samples into engine-neutral raw figures, each with an explicit "absent" (null) or a reason. Sources
 * (the engines' own code and docs; the real pages under exporter/testdata/real/ show each case):
 * - vLLM V1 (current): vllm/v1/metrics/loggers.py, labels `model_name`, `engine`; llm-d-inference-sim
 *   writes the same names from Go's client, where a counter's sample has no `_total`.
 * - vLLM V0 and early V1: the `gpu_` names, renamed in V1; `gpu_prefix_cache_hit_rate` is V0-only.
 * - SGLang: python/sglang/srt/metrics/collector.py; newer builds write `sglang_` for `sglang:`.
 * The first name of a list that a page carries wins, so a transitional page that carries old and new
 * names is read once, by the new one.
 */
import { ENGINE_PHASES, type EnginePhase, type PrefixCacheState } from '@kvcanary/contract';
import type { Sample } from './exposition-parser.js';
import type { CounterSeries } from './counter-deltas.js';
import { isDcgmMetric } from './dcgm.js';

/** Both SGLang spellings of one metric, the `sglang:` of its releases first. */
function sglang(name: string): string[] {
  return [`sglang:${name}`, `sglang_${name}`];
}

export const ENGINE_METRICS = {
  /** 0-1 fractions despite vLLM's `_perc` suffix; SGLang's token_usage is the KV pool in use. */
  kvCacheUsage: ['vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc', ...sglang('token_usage')],
  running: ['vllm:num_requests_running', ...sglang('num_running_reqs')],
  waiting: ['vllm:num_requests_waiting', ...sglang('num_queue_reqs')],
  preemptions: ['vllm:num_preemptions_total'],
} as const;

/**
 * Prefix-cache counter pairs, one generation each, newest first: a ratio takes both counters from one
 * generation or none (transitional vLLM pages carry old hits beside new queries). The very first V1
 * releases counted blocks, not tokens; hits and queries count the same unit, so the ratio is the same.
 * SGLang's `prompt_tokens_total` counts every prompt token, `cached_tokens_total` those served from its
 * radix cache. vLLM V0's `gpu_prefix_cache_hit_rate` and SGLang's `cache_hit_rate` gauges are not read
 * as ratios: V0's is a lifetime average (CacheMetricData, vllm/core/block/prefix_caching_block.py) and
 * SGLang's covers the last batch only (it drops to 0 while decoding).
 */
export const PREFIX_CACHE_COUNTERS = [
  { generation: 'vLLM V1', hits: ['vllm:prefix_cache_hits_total', 'vllm:prefix_cache_hits'], queries: ['vllm:prefix_cache_queries_total', 'vllm:prefix_cache_queries'] },
  { generation: 'early vLLM V1', hits: ['vllm:gpu_prefix_cache_hits_total'], queries: ['vllm:gpu_prefix_cache_queries_total'] },
  { generation: 'SGLang', hits: sglang('cached_tokens_total'), queries: sglang('prompt_tokens_total') },
] as const;

/** What says prefix caching is on or off: vLLM's config info, and V0's gauge, which is -1 when off. */
export const CACHE_CONFIG_INFO = 'vllm:cache_config_info';
export const V0_HIT_RATE = 'vllm:gpu_prefix_cache_hit_rate';

/**
 * Histograms whose `_sum` and `_count` tell where a replica's own time goes (vLLM V1's TTFT counts from
 * the request's arrival at the engine, queue included; SGLang's likewise).
 */
export const ENGINE_PHASE_HISTOGRAMS: Record<EnginePhase, readonly string[]> = {
  ttft: ['vllm:time_to_first_token_seconds', ...sglang('time_to_first_token_seconds')],
  queue: ['vllm:request_queue_time_seconds', ...sglang('queue_time_seconds')],
  prefill: ['vllm:request_prefill_time_seconds'],
};

const ENGINE_NAMES = new Set<string>([
  ...Object.values(ENGINE_METRICS).flat(),
  ...PREFIX_CACHE_COUNTERS.flatMap((g) => [...g.hits, ...g.queries]),
  CACHE_CONFIG_INFO,
  V0_HIT_RATE,
  ...Object.values(ENGINE_PHASE_HISTOGRAMS).flatMap((names) => names.flatMap((n) => [`${n}_sum`, `${n}_count`])),
]);

/** What a page was expected to carry, for the log line of a page that carries none of it. */
export const EXPECTED_ENGINE_NAMES = `vLLM (${ENGINE_METRICS.running[0]}, ${ENGINE_METRICS.kvCacheUsage[0]}, ${PREFIX_CACHE_COUNTERS[0].hits[0]}) or SGLang (${ENGINE_METRICS.running[1]}, ${ENGINE_METRICS.kvCacheUsage[2]}, ${PREFIX_CACHE_COUNTERS[2].hits[0]}), in either SGLang spelling`;

/** Parser filter for a replica's page: the engine names and DCGM's (the simulator serves both), nothing else. */
export function isWantedMetric(name: string): boolean {
  return ENGINE_NAMES.has(name) || isDcgmMetric(name);
}

/** The prefix-cache part of a page. */
export interface PrefixCacheReading {
  state: PrefixCacheState;
  /** One generation's counters, or null; `note` then says why there is no ratio. */
  counters: { generation: string; hits: CounterSeries; queries: CounterSeries } | null;
  note: string | null;
}

/** A replica's figures from one scrape, before any delta is taken; null is "the page does not say". */
export interface RawFigures {
  /** Which engine's names the page carries; null for a page with none of them. */
  engine: 'vllm' | 'sglang' | null;
  prefixCache: PrefixCacheReading;
  kvCacheUsage: number | null;
  running: number | null;
  waiting: number | null;
  /** A histogram's `_sum` and `_count` series per phase, when the page has both. */
  phases: Record<EnginePhase, { sum: CounterSeries; count: CounterSeries } | null>;
  preemptions: CounterSeries;
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
  const phases = {} as RawFigures['phases'];
  for (const phase of ENGINE_PHASES) {
    const name = ENGINE_PHASE_HISTOGRAMS[phase].find((n) => byName.has(`${n}_sum`) && byName.has(`${n}_count`));
    phases[phase] = name === undefined ? null : { sum: series(byName.get(`${name}_sum`) ?? null), count: series(byName.get(`${name}_count`) ?? null) };
  }
  return {
    engine: engineOf(byName),
    prefixCache: prefixCache(byName, pick),
    // Fractions average across engines (a sum of fractions is no fraction); counts add up.
    kvCacheUsage: mean(pick(ENGINE_METRICS.kvCacheUsage)),
    running: sum(pick(ENGINE_METRICS.running)),
    waiting: sum(pick(ENGINE_METRICS.waiting)),
    phases,
    preemptions: series(pick(ENGINE_METRICS.preemptions)),
  };
}

function engineOf(byName: ReadonlyMap<string, Sample[]>): RawFigures['engine'] {
  const names = [...byName.keys()].filter((n) => ENGINE_NAMES.has(n));
  if (names.some((n) => n.startsWith('vllm:'))) return 'vllm';
  if (names.some((n) => n.startsWith('sglang'))) return 'sglang';
  return null;
}

/** Off when the replica says so; on when its config says so; otherwise unknown. */
function cacheState(byName: ReadonlyMap<string, Sample[]>): { state: PrefixCacheState; why: string | null } {
  const flags = (byName.get(CACHE_CONFIG_INFO) ?? []).map((s) => s.labels.enable_prefix_caching?.toLowerCase());
  if (flags.includes('false')) return { state: 'disabled', why: `${CACHE_CONFIG_INFO} says enable_prefix_caching=False` };
  // vLLM V0 writes -1 when prefix caching is off (testdata/real/pages/vllm-v0-prefix-caching-off-aibrix-docs.prom).
  const v0 = byName.get(V0_HIT_RATE) ?? [];
  if (v0.some((s) => s.value === -1)) return { state: 'disabled', why: `${V0_HIT_RATE} is -1` };
  if (flags.includes('true') || v0.some((s) => s.value >= 0 && s.value <= 1)) return { state: 'enabled', why: null };
  return { state: 'unknown', why: null };
}

function prefixCache(byName: ReadonlyMap<string, Sample[]>, pick: (names: readonly string[]) => Sample[] | null): PrefixCacheReading {
  const { state, why } = cacheState(byName);
  if (state === 'disabled') return { state, counters: null, note: `prefix caching is off (${why ?? ''})` };
  const complete = PREFIX_CACHE_COUNTERS.find((g) => pick(g.hits) && pick(g.queries));
  if (complete) {
    return { state, counters: { generation: complete.generation, hits: series(pick(complete.hits)), queries: series(pick(complete.queries)) }, note: null };
  }
  const present = PREFIX_CACHE_COUNTERS.flatMap((g) => [...g.hits, ...g.queries].filter((n) => byName.has(n)).map((name) => ({ name, g })));
  const generations = new Set(present.map((p) => p.g.generation));
  let note: string;
  if (generations.size > 1) {
    note = `the page has ${present.map((p) => p.name).join(' and ')}, counters of different generations; no ratio mixes them`;
  } else if (present[0]) {
    const { name, g } = present[0];
    // The partner in the same spelling: both lists of a generation are in the same order.
    const hits: readonly string[] = g.hits;
    const queries: readonly string[] = g.queries;
    const missing = hits.includes(name) ? queries[hits.indexOf(name)] : hits[queries.indexOf(name)];
    note = `the page has ${name} but no ${missing ?? 'partner counter'}`;
  } else {
    note = 'the page has no prefix-cache hit and query counters';
  }
  return { state, counters: null, note };
}

/** A stable key for a series, so the same series is found scrape after scrape (the name keeps generations apart). */
export function seriesKey(name: string, labels: Record<string, string>): string {
  const keys = Object.keys(labels).sort();
  return `${name}{${keys.map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',')}}`;
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

/** Counter series by key; NaN, infinite and negative values are no counter reading and are left out. */
function series(samples: Sample[] | null): Map<string, number> | null {
  if (!samples) return null;
  const out = new Map<string, number>();
  for (const s of samples) {
    if (!Number.isFinite(s.value) || s.value < 0) continue;
    const key = seriesKey(s.name, s.labels);
    out.set(key, (out.get(key) ?? 0) + s.value);
  }
  return out.size === 0 ? null : out;
}
