import { describe, expect, it } from '@jest/globals';
import { parseExposition } from './exposition-parser.js';
import { ENGINE_METRICS, gpuRatios, isWantedMetric, normalise } from './normalise.js';
import { dcgm, sglang, vllmV0, vllmV0GaugeOnly, vllmV1 } from '../test-support/replica-pages.js';

const read = (text: string) => normalise(parseExposition(text, { keep: isWantedMetric }).samples);

describe('normalise', () => {
  it('reads vLLM V1 names, adding counts across engines and averaging fractions', () => {
    const raw = read(vllmV1({ hits: 30, queries: 100, hits1: 5, queries1: 10 }));
    expect(raw.running).toBe(4);
    expect(raw.waiting).toBe(2);
    expect(raw.kvCacheUsage).toBeCloseTo(0.375);
    expect([...(raw.hits?.values() ?? [])]).toEqual([30, 5]);
    expect([...(raw.queries?.values() ?? [])]).toEqual([100, 10]);
    expect(raw.hitRateGauge).toBeNull();
  });

  it('reads the older V0 names to the same fields', () => {
    const raw = read(vllmV0({ hits: 40, queries: 80 }));
    expect(raw.kvCacheUsage).toBe(0.125);
    expect(raw.running).toBe(7);
    expect(raw.waiting).toBe(1);
    expect([...(raw.hits?.values() ?? [])]).toEqual([40]);
    expect([...(raw.queries?.values() ?? [])]).toEqual([80]);
    expect(raw.hitRateGauge).toBe(0.9);
  });

  it('prefers the V1 name when a page carries both', () => {
    const both = `vllm:kv_cache_usage_perc 0.2\nvllm:gpu_cache_usage_perc 0.9\n`;
    expect(read(both).kvCacheUsage).toBe(0.2);
  });

  it('reads SGLang names', () => {
    const raw = read(sglang);
    expect(raw).toMatchObject({ kvCacheUsage: 0.28, hitRateGauge: 0.75, running: 5, waiting: 2, hits: null, queries: null });
  });

  it('gives nulls for a page with none of the names', () => {
    expect(read('process_cpu_seconds_total 3\n')).toEqual({
      hits: null,
      queries: null,
      hitRateGauge: null,
      kvCacheUsage: null,
      running: null,
      waiting: null,
    });
    expect(read(vllmV0GaugeOnly).hits).toBeNull();
  });

  it('keeps every engine name in one table', () => {
    for (const names of Object.values(ENGINE_METRICS)) {
      for (const n of names) expect(isWantedMetric(n)).toBe(true);
    }
    expect(isWantedMetric('vllm:time_to_first_token_seconds_bucket')).toBe(false);
  });
});

describe('gpuRatios', () => {
  it('turns DCGM percent into 0-1 ratios by gpu label', () => {
    const samples = parseExposition(dcgm).samples.filter((s) => s.labels.pod === 'pod-a');
    expect(Object.fromEntries(gpuRatios(samples))).toEqual({ '0': 0.8, '1': 0.4 });
  });
});
