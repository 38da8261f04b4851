/**
 * `kvcanary serve` against loopback servers replaying real published pages and a real stream
 * (exporter/testdata/real, provenance in SOURCES.md there), read the way a user reads it: /metrics and
 * /api/v1/summary. 64 replicas, so the log also shows whether Node warns of a listener leak.
 *
 * What is not verbatim, and why: the published stream vllm-no-usage-6083 was cut before `data: [DONE]`,
 * which is appended (as vLLM sends it); a published page is one snapshot, so the SGLang docs page's
 * TTFT histogram is advanced by 4 requests taking 2 s in all at every scrape (`advanced`), as a live
 * replica's counters would.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { exporterMetrics as m, histogramSeries } from '@kvcanary/contract';
import { summaryResponseSchema, type SummaryResponse } from '@kvcanary/contract/schemas';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { advanced, realPage, realStream } from '../exporter/src/test-support/real-samples.js';
import { startServe, type RunningCli } from './support/cli.js';
import { poll } from './support/served-exporter.js';

/** The two pods the endpoint picker page names (gie-epp-ngf-two-pods-inference-model). */
const SGLANG_POD = 'expensive-llm-sim-b9c8f95b5-npffl';
const V0_OFF_POD = 'expensive-llm-sim-b9c8f95b5-tgl48';
const UNKNOWN_POD = 'smg-underscore';
/** 61 data-parallel vLLM pods, so the target has 64 replicas in all (the default bound). */
const DP_PODS = Array.from({ length: 61 }, (_, i) => `vllm-dp-${i}`);

const sglangDocs = realPage('sglang-docs-production-metrics.prom');
const streamEvents = realStream('vllm-no-usage-6083.sse')
  .split('\n\n')
  .filter((b) => b.trim() !== '');

let sglangScrapes = 0;
function page(path: string): string | null {
  if (path === `/${SGLANG_POD}/metrics`) {
    const n = sglangScrapes++;
    return advanced(sglangDocs, { 'sglang:time_to_first_token_seconds_sum': 2 * n, 'sglang:time_to_first_token_seconds_count': 4 * n });
  }
  if (path === `/${V0_OFF_POD}/metrics`) return realPage('vllm-v0-prefix-caching-off-aibrix-docs.prom');
  if (path === `/${UNKNOWN_POD}/metrics`) return realPage('sglang-underscore-names-smg-813.prom');
  if (path === '/epp/metrics') return realPage('gie-epp-ngf-two-pods-inference-model.prom');
  if (DP_PODS.some((p) => path === `/${p}/metrics`)) return realPage('vllm-dp-two-engines-gie-2950.prom');
  return null;
}

/** The pages by path, and an OpenAI-compatible endpoint that answers every chat with the real stream. */
function stackServer(): Server {
  return createServer((req, res) => {
    const url = req.url ?? '';
    if (url === '/v1/models') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: 'Qwen-v', object: 'model' }] }));
    if (url === '/v1/chat/completions' && req.method === 'POST') {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const event of streamEvents) res.write(`${event}\n\n`);
      return void res.end('data: [DONE]\n\n');
    }
    const body = page(url);
    if (body === null) return void res.writeHead(404).end('not found');
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(body);
  });
}

const linesOf = (text: string, name: string, labels: Record<string, string>): string[] =>
  text.split('\n').filter((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
const lineOf = (text: string, name: string, labels: Record<string, string>): string | undefined => linesOf(text, name, labels)[0];
/** The sum over every series of the name with these labels (a histogram's `_count` is one series per turn and document type); undefined with none. */
const valueOf = (text: string, name: string, labels: Record<string, string>): number | undefined => {
  const lines = linesOf(text, name, labels);
  return lines.length === 0 ? undefined : lines.reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
};

describe('kvcanary serve on real pages and a real stream', () => {
  let server: Server;
  let dir: string;
  let exporter: RunningCli;
  let metrics = '';
  let summary: SummaryResponse;

  beforeAll(async () => {
    server = stackServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const replicas = [SGLANG_POD, V0_OFF_POD, UNKNOWN_POD, ...DP_PODS].map((name) => `        - { name: ${name}, url: ${base}/${name}/metrics }`);
    dir = mkdtempSync(join(tmpdir(), 'kvcanary-real-'));
    writeFileSync(
      join(dir, 'kvcanary.yaml'),
      [
        'targets:',
        '  - name: real',
        `    url: ${base}/v1`,
        '    replicas:',
        `      endpointPicker: { url: ${base}/epp/metrics }`,
        '      static:',
        ...replicas,
        'pacing: { concurrency: 1, turns: 2, maxTokens: 16, thinkTime: { min: 200ms, max: 300ms }, timeout: 10s, seed: 3 }',
        'window: { duration: 1m }',
        'replicaScrape: { interval: 1s, timeout: 1s }',
        'shutdownGrace: 2s',
        '',
      ].join('\n'),
    );
    exporter = await startServe([`--config=${join(dir, 'kvcanary.yaml')}`, '--web.listen-address=127.0.0.1:0']);
    // Three scrapes of the SGLang page (two windows of its histogram) and a few canary requests.
    await poll(
      'three replica scrapes and three canary requests',
      async () => {
        metrics = await (await fetch(`${exporter.url}/metrics`)).text();
        return sglangScrapes >= 3 && (valueOf(metrics, histogramSeries(m.ttft, 'count'), { target: 'real' }) ?? 0) >= 3;
      },
      60_000,
    );
    summary = summaryResponseSchema.parse(await (await fetch(`${exporter.url}/api/v1/summary`)).json());
  });

  afterAll(async () => {
    const code = await exporter?.stop('SIGTERM');
    await new Promise((resolve) => server?.close(resolve));
    rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(0);
  });

  it('vllm-no-usage-6083: requests succeed, first content is the first token, cached tokens are not reported (no series, null), not 0', () => {
    const [t] = summary.targets;
    expect(t?.summary.outcomes).toEqual({ success: t?.summary.requests });
    // No reasoning deltas: the time to first content is the TTFT, request by request.
    expect(t?.summary.timeToFirstContent?.count).toBe(t?.summary.ttft?.count);
    expect(t?.summary.tokens.cached).toBeNull();
    expect(lineOf(metrics, m.cachedPromptTokens.name, { target: 'real' })).toBeUndefined();
    expect(valueOf(metrics, histogramSeries(m.timeToFirstContent, 'count'), { target: 'real' })).toBe(valueOf(metrics, histogramSeries(m.ttft, 'count'), { target: 'real' }));
  });

  it('vllm-v0-prefix-caching-off-aibrix-docs: prefix caching off, said in both places, and no hit ratio of -1', () => {
    const r = summary.targets[0]?.replicas.find((x) => x.name === V0_OFF_POD);
    expect(r).toMatchObject({ up: true, prefixCache: 'disabled', prefixCacheHitRatio: null, prefixCacheNote: 'prefix caching is off (vllm:cache_config_info says enable_prefix_caching=False)' });
    expect(valueOf(metrics, m.replicaPrefixCacheEnabled.name, { replica: V0_OFF_POD })).toBe(0);
    expect(lineOf(metrics, m.replicaPrefixCacheHitRatio.name, { replica: V0_OFF_POD })).toBeUndefined();
  });

  it('sglang-docs-production-metrics: its own figures, and an engine TTFT of 2 s / 4 requests = 500 ms over what the histogram gained', () => {
    const t = summary.targets[0];
    const r = t?.replicas.find((x) => x.name === SGLANG_POD);
    // token_usage 0.28, num_running_reqs 162, num_queue_reqs 2826; the picker saw 0 waiting on this pod.
    expect(r).toMatchObject({ up: true, kvCacheUsage: 0.28, running: 162, waiting: 2826, schedulerQueue: 0, prefixCacheHitRatio: null });
    expect(r?.engineTtftMeanMs).toBeCloseTo(500, 6);
    // The other 63 pages' histograms stand still, so the target's engine mean is this pod's.
    expect(t?.engine?.ttftMeanMs).toBeCloseTo(500, 6);
    expect(valueOf(metrics, m.replicaSchedulerQueue.name, { replica: SGLANG_POD })).toBe(0);
    // Reset-corrected increases since the exporter started: 4 a scrape after the first, at least two of them.
    const requests = valueOf(metrics, m.replicaEnginePhaseRequests.name, { replica: SGLANG_POD, phase: 'ttft' }) ?? NaN;
    expect([requests % 4, requests >= 8]).toEqual([0, true]);
  });

  it('gie-epp-ngf-two-pods-inference-model: the picker is up and its pool is at 0 KV, 0 queue, 0 running', () => {
    expect(summary.targets[0]?.scheduler).toEqual({ up: true, kvCacheUsage: 0, averageQueueSize: 0, requestsRunning: 0 });
    expect(valueOf(metrics, m.schedulerUp.name, { target: 'real' })).toBe(1);
  });

  it('sglang-underscore-names-smg-813 and vllm-dp-two-engines-gie-2950: 64 replicas up, the unknown page empty, and no Node warning in the log', () => {
    const replicas = summary.targets[0]?.replicas ?? [];
    expect(replicas).toHaveLength(64);
    expect(replicas.every((r) => r.up)).toBe(true);
    expect(replicas.find((r) => r.name === UNKNOWN_POD)).toMatchObject({ running: null, kvCacheUsage: null, prefixCacheHitRatio: null });
    // engine="0" 0.0 + engine="1" 0.0.
    expect(replicas.find((r) => r.name === 'vllm-dp-0')?.running).toBe(0);
    expect(exporter.stderr()).not.toContain('MaxListenersExceededWarning');
  });
});
