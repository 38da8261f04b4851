import { describe, expect, it } from '@jest/globals';
import { parseExposition } from './exposition-parser.js';
import { ENGINE_METRICS, ENGINE_PHASE_HISTOGRAMS, PREFIX_CACHE_COUNTERS, isWantedMetric, normalise } from './normalise.js';
import { sglang, vllmV0, vllmV0GaugeOnly, vllmV1 } from '../test-support/replica-pages.js';

const read = (text: string) => normalise(parseExposition(text, { keep: isWantedMetric }).samples);
const values = (m: ReadonlyMap<string, number> | null | undefined) => [...(m?.values() ?? [])];

/** These pages are the project's own, shaped like the engines' (test-support/replica-pages.ts); the real ones are in real-pages.test.ts. */
describe('normalise', () => {
  it('reads vLLM V1 names, adding counts across engines and averaging fractions', () => {
    const raw = read(vllmV1({ hits: 30, queries: 100, hits1: 5, queries1: 10 }));
    expect(raw).toMatchObject({ engine: 'vllm', running: 4, waiting: 2 });
    expect(raw.kvCacheUsage).toBeCloseTo(0.375);
    expect(raw.prefixCache).toMatchObject({ state: 'enabled', note: null, counters: { generation: 'vLLM V1' } });
    expect(values(raw.prefixCache.counters?.hits)).toEqual([30, 5]);
    expect(values(raw.prefixCache.counters?.queries)).toEqual([100, 10]);
    // The TTFT histogram's sum and count, one engine's: 12 requests, 1.75 s in all.
    expect(values(raw.phases.ttft?.sum)).toEqual([1.75]);
    expect(values(raw.phases.ttft?.count)).toEqual([12]);
    expect(raw.phases.queue).toBeNull();
  });

  it('reads the older names to the same fields, and one generation of counters', () => {
    const raw = read(vllmV0({ hits: 40, queries: 80 }));
    expect(raw).toMatchObject({ kvCacheUsage: 0.125, running: 7, waiting: 1 });
    expect(raw.prefixCache).toMatchObject({ state: 'enabled', counters: { generation: 'early vLLM V1' } });
    expect(values(raw.prefixCache.counters?.hits)).toEqual([40]);
  });

  it('prefers the V1 name when a page carries both', () => {
    const both = `vllm:kv_cache_usage_perc 0.2\nvllm:gpu_cache_usage_perc 0.9\n`;
    expect(read(both).kvCacheUsage).toBe(0.2);
  });

  it('keeps generations apart by name, so a page moving from the old counters to the new never reads one as the other', () => {
    const old = read('vllm:gpu_prefix_cache_hits_total{engine="0"} 5\nvllm:gpu_prefix_cache_queries_total{engine="0"} 9\n');
    const renamed = read('vllm:prefix_cache_hits_total{engine="0"} 5\nvllm:prefix_cache_queries_total{engine="0"} 9\n');
    expect([...(old.prefixCache.counters?.hits?.keys() ?? [])]).not.toEqual([...(renamed.prefixCache.counters?.hits?.keys() ?? [])]);
  });

  it("reads SGLang's names, and not its per-batch hit-rate gauge", () => {
    const raw = read(sglang);
    expect(raw).toMatchObject({ engine: 'sglang', kvCacheUsage: 0.28, running: 5, waiting: 2 });
    expect(raw.prefixCache).toEqual({ state: 'unknown', counters: null, note: 'the page has no prefix-cache hit and query counters' });
  });

  it("knows V0's lifetime gauge means caching is on, and never uses it as the ratio", () => {
    expect(read(vllmV0GaugeOnly).prefixCache).toEqual({ state: 'enabled', counters: null, note: 'the page has no prefix-cache hit and query counters' });
  });

  it('gives an empty reading for a page with none of the names', () => {
    const raw = read('process_cpu_seconds_total 3\n');
    expect(raw).toEqual({
      engine: null,
      prefixCache: { state: 'unknown', counters: null, note: 'the page has no prefix-cache hit and query counters' },
      kvCacheUsage: null,
      running: null,
      waiting: null,
      phases: { ttft: null, queue: null, prefill: null },
      preemptions: null,
    });
  });

  it('keeps every name it reads in one table, histogram parts by their exact sample names', () => {
    const names = [...Object.values(ENGINE_METRICS).flat(), ...PREFIX_CACHE_COUNTERS.flatMap((g) => [...g.hits, ...g.queries])];
    for (const n of names) expect(isWantedMetric(n)).toBe(true);
    for (const n of Object.values(ENGINE_PHASE_HISTOGRAMS).flat()) {
      expect(isWantedMetric(`${n}_sum`)).toBe(true);
      expect(isWantedMetric(`${n}_bucket`)).toBe(false);
    }
  });
});
