import { afterEach, describe, expect, it } from '@jest/globals';
import type { SummaryResponse } from '@kvcanary/contract/schemas';
import { silentLogger } from '../util/logger.js';
import type { ExporterView, NotMeasured } from '../runtime/exporter.js';
import { createApp } from './app.js';
import { listen, type RunningServer } from './http-server.js';
import { displayUrl, parseListenAddress } from './listen-address.js';
import type { WebAuth } from '../config/secrets.js';
import { UsageError } from '../util/usage-error.js';

const summary: SummaryResponse = { generatedAt: '2025-01-01T00:00:00.000Z', windowSeconds: 600, targets: [] };

function view(over: Partial<ExporterView> = {}): ExporterView {
  return {
    ready: () => ({ ready: false, waiting: [{ target: 'vllm', reason: 'no request finished yet' }] }),
    renderMetrics: async (accept) => ({ contentType: 'text/plain; version=0.0.4; charset=utf-8', body: `kvcanary_build_info{version="x"} 1\n# accept=${accept}\n` }),
    summary: async () => summary,
    targetNames: () => ['vllm', 'llm-d'],
    probe: async (target, { turns }) => ({
      target,
      durationSeconds: 0.5,
      records: Array.from({ length: turns }, (_, i) => ({ target, conversation: 0, turn: i + 1, docType: 'CODE' as const, document: 'a', outcome: 'success' as const, startedAt: 0, totalMs: 10, ttftMs: i === 0 ? 300 : 100 })),
    }),
    maxTurns: 10,
    turnCap: 10,
    probeConcurrency: 2,
    ...over,
  };
}

let server: RunningServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function start(v: ExporterView, auth: WebAuth | null = null): Promise<string> {
  server = await listen(createApp({ view: v, auth, logger: silentLogger, staticDir: null }), { host: '127.0.0.1', port: 0 });
  return displayUrl(server.address);
}

describe('HTTP routes', () => {
  it('serves health, readiness, metrics and the summary', async () => {
    let ready = false;
    const waiting: NotMeasured[] = [
      { target: 'vllm', reason: 'model lookup failing' },
      { target: 'llm-d', reason: 'no request finished yet' },
    ];
    const base = await start(view({ ready: () => ({ ready, waiting: ready ? [] : waiting }) }));
    expect((await fetch(`${base}/-/healthy`)).status).toBe(200);
    const notReady = await fetch(`${base}/-/ready`);
    expect([notReady.status, await notReady.text()]).toEqual([503, 'Not ready: vllm: model lookup failing; llm-d: no request finished yet\n']);
    ready = true;
    expect((await fetch(`${base}/-/ready`)).status).toBe(200);
    const metrics = await fetch(`${base}/metrics`, { headers: { accept: 'application/openmetrics-text;version=1.0.0' } });
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await metrics.text()).toContain('# accept=application/openmetrics-text;version=1.0.0');
    expect(await (await fetch(`${base}/api/v1/summary`)).json()).toEqual(summary);
    const page = await fetch(`${base}/`);
    expect(await page.text()).toContain('probe?target=llm-d');
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  it('probes one target blackbox-style: 400 for unknown, 200 with probe_success otherwise', async () => {
    const base = await start(view({ probe: async (target) => ({ target, records: [], durationSeconds: 0.1, error: 'connection refused' }) }));
    const unknown = await fetch(`${base}/probe?target=nope`);
    expect([unknown.status, await unknown.text()]).toEqual([400, "unknown target 'nope' (configured: vllm, llm-d)\n"]);
    expect((await fetch(`${base}/probe`)).status).toBe(400);
    expect((await fetch(`${base}/probe?target=vllm&turns=11`)).status).toBe(400);
    const failed = await fetch(`${base}/probe?target=vllm`);
    expect(failed.status).toBe(200);
    expect(await failed.text()).toMatch(/^kvcanary_probe_success 0$/m);
  });

  it('bounds the timeout parameter, and holds the scraper\'s timeout header to the same bound', async () => {
    let release: (() => void) | null = null;
    const base = await start(
      view({
        probeConcurrency: 1,
        probe: async (target) => {
          await new Promise<void>((resolve) => (release = resolve));
          return { target, records: [], durationSeconds: 0 };
        },
      }),
    );
    for (const bad of ['3000000', '0', '-1', 'soon', '301']) {
      const res = await fetch(`${base}/probe?target=vllm&timeout=${bad}`);
      expect([bad, res.status, await res.text()]).toEqual([bad, 400, 'timeout must be a number of seconds greater than 0 and at most 300\n']);
    }
    // A header past the bound is what a scrape config says, not a request to refuse: the probe runs,
    // with its deadline held to 300 s, which the Retry-After of the next probe shows.
    const held = fetch(`${base}/probe?target=vllm`, { headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '3000000' } });
    while (release === null) await new Promise((r) => setTimeout(r, 5));
    const refused = await fetch(`${base}/probe?target=vllm`);
    expect([refused.status, refused.headers.get('retry-after')]).toEqual([429, '300']);
    (release as () => void)();
    expect((await held).status).toBe(200);
  });

  it('admits at most probeConcurrency probes per target; past it 429 with Retry-After', async () => {
    const release: (() => void)[] = [];
    const started: string[] = [];
    const base = await start(
      view({
        probeConcurrency: 2,
        probe: async (target) => {
          started.push(target);
          await new Promise<void>((resolve) => release.push(resolve));
          return { target, records: [], durationSeconds: 0 };
        },
      }),
    );
    const running = [fetch(`${base}/probe?target=vllm&timeout=30`), fetch(`${base}/probe?target=vllm&timeout=30`)];
    while (started.length < 2) await new Promise((r) => setTimeout(r, 5));
    const refused = await fetch(`${base}/probe?target=vllm&timeout=30`);
    expect([refused.status, refused.headers.get('retry-after'), await refused.text()]).toEqual([
      429,
      '30',
      "too many probes of 'vllm' in flight (at most 2); retry after 30 s\n",
    ]);
    // The bound is per target: another target is not held back.
    const other = fetch(`${base}/probe?target=llm-d&timeout=30`);
    while (started.length < 3) await new Promise((r) => setTimeout(r, 5));
    expect(started).toEqual(['vllm', 'vllm', 'llm-d']);
    for (const r of release) r();
    expect((await Promise.all([...running, other])).map((r) => r.status)).toEqual([200, 200, 200]);
    // Finished probes free their slots.
    const again = fetch(`${base}/probe?target=vllm&timeout=30`);
    while (started.length < 4) await new Promise((r) => setTimeout(r, 5));
    release[3]?.();
    expect((await again).status).toBe(200);
  });

  it('reports a good probe with its turns', async () => {
    const base = await start(view());
    const body = await (await fetch(`${base}/probe?target=llm-d&turns=3`)).text();
    expect(body).toMatch(/^kvcanary_probe_success 1$/m);
    expect(body).toMatch(/^kvcanary_probe_cache_speedup_ratio 3$/m);
  });

  it('turns an internal failure into a 500 without details', async () => {
    const base = await start(view({ summary: async () => Promise.reject(new Error('secret detail')) }));
    const res = await fetch(`${base}/api/v1/summary`);
    expect([res.status, await res.text()]).toEqual([500, 'internal error\n']);
  });
});

describe('auth', () => {
  it('bearer: every route but health needs the token', async () => {
    const base = await start(view(), { kind: 'bearer', token: 's3cret-token' });
    expect((await fetch(`${base}/-/healthy`)).status).toBe(200);
    expect((await fetch(`${base}/-/ready`)).status).toBe(503);
    const denied = await fetch(`${base}/metrics`);
    expect(denied.status).toBe(401);
    expect(denied.headers.get('www-authenticate')).toBe('Bearer realm="kvcanary"');
    expect((await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(`${base}/api/v1/summary`, { headers: { authorization: 'Bearer s3cret-token' } })).status).toBe(200);
  });

  it('basic: user and password both checked', async () => {
    const base = await start(view(), { kind: 'basic', username: 'prom', password: 'pw' });
    const basic = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });
    expect((await fetch(`${base}/metrics`, { headers: basic('prom', 'pw') })).status).toBe(200);
    expect((await fetch(`${base}/metrics`, { headers: basic('prom', 'px') })).status).toBe(401);
    expect((await fetch(`${base}/probe?target=vllm`, { headers: basic('x', 'pw') })).status).toBe(401);
    expect((await fetch(`${base}/`)).status).toBe(401);
  });
});

describe('listen address', () => {
  it.each([
    [':9464', { host: undefined, port: 9464 }],
    ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
    ['[::1]:9999', { host: '::1', port: 9999 }],
    ['localhost:80', { host: 'localhost', port: 80 }],
  ])('%s', (text, parsed) => expect(parseListenAddress(text)).toEqual(parsed));
  it.each(['9464', 'host:', 'h:70000', ':x'])('%s is a usage error', (text) => expect(() => parseListenAddress(text)).toThrow(UsageError));
});
