import { afterEach, describe, expect, it } from '@jest/globals';
import type { ReplicaFigures } from '@kvcanary/contract/schemas';
import { createStaticSource } from './discovery-static.js';
import { parseExposition } from './exposition-parser.js';
import { isWantedMetric, normalise } from './normalise.js';
import type { ReplicaMonitor } from './monitor.js';
import { FakeClock } from '../test-support/fake-clock.js';
import { pageServer, testMonitor } from '../test-support/replica-harness.js';
import { recordingLogger } from '../test-support/recording-logger.js';
import { advanced, realPage } from '../test-support/real-samples.js';

/**
 * Every real replica page in exporter/testdata/real/pages (provenance and facts: SOURCES.md there),
 * served as published over loopback and scraped by the monitor: the figures asserted are the ones
 * /api/v1/summary lists and /metrics exposes for the replica, derived from the page by hand.
 */
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

/** Scrapes `pages` in turn (one scrape each, a minute apart) as one replica; returns the monitor and its log. */
async function scrapeAsReplica(...pages: string[]): Promise<{ monitor: ReplicaMonitor; figures: ReplicaFigures; log: ReturnType<typeof recordingLogger> }> {
  let current = pages[0] ?? '';
  const server = await pageServer({ '/metrics': () => current });
  cleanups.push(() => server.close());
  const log = recordingLogger();
  const clock = new FakeClock();
  const monitor = testMonitor(createStaticSource([{ name: 'r1', url: `${server.url}/metrics` }]), { logger: log, clock });
  cleanups.push(() => monitor.stop());
  for (const page of pages) {
    current = page;
    await monitor.scrapeOnce();
    await clock.advance(60_000);
  }
  const figures = monitor.snapshot()[0]?.figures;
  if (!figures) throw new Error('no replica');
  return { monitor, figures, log };
}

const read = (page: string) => normalise(parseExposition(page, { keep: isWantedMetric }).samples);

describe('real vLLM pages', () => {
  it('vllm-v0-prefix-caching-off-aibrix-docs: prefix caching off is no ratio, not -1 (-100 %), and says why', async () => {
    const page = realPage('vllm-v0-prefix-caching-off-aibrix-docs.prom');
    const { monitor, figures } = await scrapeAsReplica(page, page);
    // vllm:gpu_prefix_cache_hit_rate -1.0 and cache_config_info{enable_prefix_caching="False"}.
    expect(figures).toMatchObject({
      up: true,
      prefixCacheHitRatio: null,
      prefixCache: 'disabled',
      prefixCacheNote: 'prefix caching is off (vllm:cache_config_info says enable_prefix_caching=False)',
      // gpu_cache_usage_perc 0.0, running 0.0, waiting 0.0.
      kvCacheUsage: 0,
      running: 0,
      waiting: 0,
      engineTtftMeanMs: null,
    });
    const [snapshot] = monitor.snapshot();
    expect(snapshot?.prefixCacheCounters).toBeNull();
    // vllm:num_preemptions_total 0.0 on both scrapes: a counter the replica has, at 0.
    expect(snapshot?.preemptions).toBe(0);
  });

  it('vllm-v0-prefix-caching-off-aibrix-docs: the -1 gauge alone says "off" too', () => {
    const withoutConfig = realPage('vllm-v0-prefix-caching-off-aibrix-docs.prom').split('\n').filter((l) => !l.includes('cache_config_info')).join('\n');
    expect(read(withoutConfig).prefixCache).toEqual({ state: 'disabled', counters: null, note: 'prefix caching is off (vllm:gpu_prefix_cache_hit_rate is -1)' });
  });

  it('vllm-v1-early-blocks-production-stack-318: the queries counter is announced but has no sample, so there is no ratio', async () => {
    const { figures } = await scrapeAsReplica(realPage('vllm-v1-early-blocks-production-stack-318.prom'));
    expect(figures).toMatchObject({
      up: true,
      running: 0,
      waiting: 0,
      kvCacheUsage: 0,
      prefixCacheHitRatio: null,
      prefixCache: 'unknown',
      prefixCacheNote: 'the page has no prefix-cache hit and query counters',
    });
  });

  it('vllm-0.10.0-transitional-production-stack-617: old hits beside new queries are never divided', async () => {
    const page = realPage('vllm-0.10.0-transitional-production-stack-617.prom');
    const { figures, monitor } = await scrapeAsReplica(page, advanced(page, { 'vllm:prefix_cache_queries_total': 32, 'vllm:gpu_prefix_cache_hits_total': 8 }));
    expect(figures).toMatchObject({
      up: true,
      // kv_cache_usage_perc 9.75010481363281e-06: a fraction, 0.000975 %.
      kvCacheUsage: 9.75010481363281e-6,
      prefixCacheHitRatio: null,
      prefixCacheNote: 'the page has vllm:prefix_cache_queries_total and vllm:gpu_prefix_cache_hits_total, counters of different generations; no ratio mixes them',
    });
    expect(monitor.snapshot()[0]?.prefixCacheCounters).toBeNull();
  });

  it('vllm-dp-two-engines-gie-2950: two engines on one page add up', () => {
    const samples = parseExposition(realPage('vllm-dp-two-engines-gie-2950.prom'), { keep: isWantedMetric }).samples;
    // engine="0" 0.0 + engine="1" 0.0: both series read, not one kept.
    expect(samples.map((s) => s.labels.engine)).toEqual(['0', '1']);
    expect(normalise(samples).running).toBe(0);
  });

  it('vllm-docs-design-metrics-example: the authors\' "..." lines make the page unreadable, as for Prometheus', async () => {
    const page = realPage('vllm-docs-design-metrics-example.prom');
    const { figures, log } = await scrapeAsReplica(page);
    expect(figures).toMatchObject({ up: false, running: null, prefixCacheHitRatio: null, prefixCacheNote: 'replica down: malformed exposition (3 bad lines; line 4: metric name expected)' });
    expect(log.lines.find((l) => l.msg === 'replica scrape failed')?.fields.reason).toBe('malformed exposition (3 bad lines; line 4: metric name expected)');
    // Read past those lines, the figures are the page's: running 8; the TTFT histogram has _count 140
    // but no _sum, so no mean is made up.
    const raw = read(page);
    expect(raw.running).toBe(8);
    expect(raw.phases.ttft).toBeNull();
  });

  it('llmd-inference-sim-kthena-1129-a: cache_config_info without enable_prefix_caching cannot say "off"', () => {
    const raw = read(realPage('llmd-inference-sim-kthena-1129-a.prom'));
    expect(raw).toMatchObject({ engine: 'vllm', running: null, kvCacheUsage: null });
    expect(raw.prefixCache.state).toBe('unknown');
  });

  it('llmd-inference-sim-kthena-1129-b: a Go-written counter without _total is found, and alone is no ratio', async () => {
    const { figures } = await scrapeAsReplica(realPage('llmd-inference-sim-kthena-1129-b.prom'));
    expect(figures).toMatchObject({ up: true, running: 0, waiting: 0, prefixCacheHitRatio: null, prefixCacheNote: 'the page has vllm:prefix_cache_hits but no vllm:prefix_cache_queries' });
  });
});

describe('real SGLang pages', () => {
  const docs = realPage('sglang-docs-production-metrics.prom');

  it('sglang-docs-production-metrics: its figures, and no hit ratio from the per-batch gauge', async () => {
    const { figures } = await scrapeAsReplica(docs, docs);
    expect(figures).toMatchObject({
      up: true,
      // token_usage 0.28, num_running_reqs 162, num_queue_reqs 2826.
      kvCacheUsage: 0.28,
      running: 162,
      waiting: 2826,
      // sglang:cache_hit_rate 0.0075 is one batch's; no cached_tokens_total on this page.
      prefixCacheHitRatio: null,
      prefixCache: 'unknown',
      prefixCacheNote: 'the page has sglang:prompt_tokens_total but no sglang:cached_tokens_total',
      // The TTFT histogram did not move between the two scrapes: its lifetime mean (2351897.95 / 11008
      // = 213.65 s) is not a figure of the window.
      engineTtftMeanMs: null,
    });
  });

  it('sglang-docs-production-metrics: the engine TTFT is the mean of what the histogram gained between scrapes', async () => {
    // Synthetic second scrape: the real page with 4 more requests taking 2 s in all.
    const later = advanced(docs, { 'sglang:time_to_first_token_seconds_sum': 2, 'sglang:time_to_first_token_seconds_count': 4 });
    const { figures, monitor } = await scrapeAsReplica(docs, later);
    expect(figures.engineTtftMeanMs).toBeCloseTo(500);
    expect(monitor.snapshot()[0]?.phaseTotals.ttft).toEqual({ seconds: expect.closeTo(2, 6), requests: 4 });
  });

  it('sglang-docs-production-metrics respelled with sglang_ (synthetic: the newer builds\' spelling of the same page) reads the same', async () => {
    const { figures, log } = await scrapeAsReplica(docs.replaceAll('sglang:', 'sglang_'));
    expect(figures).toMatchObject({ kvCacheUsage: 0.28, running: 162, waiting: 2826, prefixCacheNote: 'the page has sglang_prompt_tokens_total but no sglang_cached_tokens_total' });
    expect(log.lines.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('sglang-pr1461-early-names: a 0-100 hit rate (87.58) never reaches the ratio; only token_usage is a released name', async () => {
    const { figures } = await scrapeAsReplica(realPage('sglang-pr1461-early-names.prom'));
    expect(figures).toMatchObject({ up: true, prefixCacheHitRatio: null, kvCacheUsage: 0, running: null, waiting: null });
  });

  it('sglang-pr1853-first-metrics: prompt tokens alone are no ratio', async () => {
    const { figures } = await scrapeAsReplica(realPage('sglang-pr1853-first-metrics.prom'));
    expect(figures).toMatchObject({ up: true, kvCacheUsage: null, running: null, prefixCacheHitRatio: null, prefixCacheNote: 'the page has sglang:prompt_tokens_total but no sglang:cached_tokens_total' });
  });

  it('sglang-underscore-names-smg-813: none of the figures kvcanary reads are on it, said once with what was expected', async () => {
    const page = realPage('sglang-underscore-names-smg-813.prom');
    const { figures, log } = await scrapeAsReplica(page, page, page);
    // sglang_cache_hit_rate 0 is one batch's, not a 0 % hit ratio.
    expect(figures).toMatchObject({ up: true, prefixCacheHitRatio: null, kvCacheUsage: null, running: null, waiting: null });
    const warnings = log.lines.filter((l) => l.level === 'warn');
    expect(warnings.map((l) => l.msg)).toEqual(['replica page carries none of the engine metrics kvcanary reads; its figures stay empty']);
    expect(warnings[0]?.fields.expected).toContain('sglang:num_running_reqs');
  });
});

describe('SGLang with cached_tokens_total (synthetic: no published page has it, so the docs page with the counter added)', () => {
  it('divides cached by prompt tokens over the window', async () => {
    const docs = realPage('sglang-docs-production-metrics.prom');
    const labels = '{model_name="meta-llama/Llama-3.1-8B-Instruct"}';
    const withCached = `${docs}# TYPE sglang:cached_tokens_total counter\nsglang:cached_tokens_total${labels} 6.0e+06\n`;
    const later = advanced(withCached, { 'sglang:prompt_tokens_total': 10_000, 'sglang:cached_tokens_total': 9_000 });
    const { figures } = await scrapeAsReplica(withCached, later);
    expect(figures).toMatchObject({ prefixCacheHitRatio: 0.9, prefixCacheNote: null });
  });
});
