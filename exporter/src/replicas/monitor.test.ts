import { afterEach, describe, expect, it } from '@jest/globals';
import pino from 'pino';
import { createStaticSource } from './discovery-static.js';
import { createReplicaMonitor, sanitiseReplicaName, type ReplicaMonitor } from './monitor.js';
import { FakeClock } from './test-support/fake-clock.js';
import { startLoopback, type Loopback } from './test-support/loopback.js';
import { dcgm, sglang, vllmV1 } from './test-support/samples.js';
import type { Logger } from '../util/logger.js';
import type { Replica, ReplicaSource } from './types.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

/** A logger that remembers what it was told, to assert on warnings. */
function recordingLogger(): Logger & { lines: Array<{ level: string; msg: string; obj: object }> } {
  const lines: Array<{ level: string; msg: string; obj: object }> = [];
  const at = (level: string) => (obj: object, msg?: string) => lines.push({ level, msg: msg ?? '', obj });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** One loopback server playing many replicas by path; `pages` is read at request time. */
async function replicaServer(pages: Record<string, () => string | 'hang' | 'huge' | 'error'>): Promise<Loopback> {
  const server = await startLoopback((req, res) => {
    const page = pages[req.url ?? '']?.();
    if (page === undefined || page === 'error') {
      res.writeHead(page === 'error' ? 500 : 404).end('nope');
    } else if (page === 'hang') {
      res.writeHead(200, { 'content-type': 'text/plain' }); // headers, then nothing: a stalled body
    } else if (page === 'huge') {
      // No content-length: the cap must hold while streaming.
      res.writeHead(200, { 'content-type': 'text/plain' });
      const line = 'vllm:num_requests_running 1\n'.repeat(1000);
      for (let i = 0; i < 100; i++) res.write(line);
      res.end();
    } else {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(page);
    }
  });
  cleanups.push(() => server.close());
  return server;
}

function monitorFor(source: ReplicaSource, extra: Partial<Parameters<typeof createReplicaMonitor>[0]> = {}): ReplicaMonitor {
  const monitor = createReplicaMonitor({
    target: 't',
    source,
    intervalMs: 1000,
    timeoutMs: 300,
    maxBodyBytes: 64 * 1024,
    maxReplicas: 64,
    clock: new FakeClock(),
    ...extra,
  });
  cleanups.push(() => monitor.stop());
  return monitor;
}

describe('createReplicaMonitor', () => {
  it('marks garbled, oversized, slow and failing replicas down while the good one goes on', async () => {
    let counters = { hits: 900, queries: 1000 };
    const server = await replicaServer({
      '/good/metrics': () => vllmV1(counters),
      '/garbled/metrics': () => '<html><body>Bad Gateway</body></html>\n',
      '/huge/metrics': () => 'huge',
      '/slow/metrics': () => 'hang',
      '/failing/metrics': () => 'error',
    });
    const logger = recordingLogger();
    const names = ['good', 'garbled', 'huge', 'slow', 'failing'];
    const monitor = monitorFor(
      createStaticSource(names.map((n) => ({ name: n, url: `${server.url}/${n}/metrics` }))),
      { logger },
    );

    await monitor.scrapeOnce();
    counters = { hits: 950, queries: 1100 };
    await monitor.scrapeOnce();

    const byName = Object.fromEntries(monitor.figures().map((f) => [f.name, f]));
    expect(byName.good).toEqual({
      name: 'good',
      up: true,
      prefixCacheHitRatio: 0.5,
      kvCacheUsage: 0.375,
      running: 4,
      waiting: 2,
      gpuUtilization: null,
      probeRequests: 0,
    });
    for (const bad of ['garbled', 'huge', 'slow', 'failing']) {
      expect(byName[bad]).toMatchObject({ up: false, prefixCacheHitRatio: null, kvCacheUsage: null, running: null });
    }
    const reasons = Object.fromEntries(
      logger.lines
        .filter((l) => l.msg === 'replica scrape failed')
        .map((l) => [(l.obj as { replica: string }).replica, (l.obj as { reason: string }).reason]),
    );
    expect(reasons.garbled).toMatch(/^malformed exposition/);
    expect(reasons.huge).toBe('body larger than 65536 bytes');
    expect(reasons.slow).toBe('timed out after 300 ms');
    expect(reasons.failing).toBe('HTTP 500');
    // Logged once per replica, not once per scrape.
    expect(logger.lines.filter((l) => l.msg === 'replica scrape failed')).toHaveLength(4);
    expect(monitor.counters().find((c) => c.replica === 'good')).toEqual({ replica: 'good', hitsTotal: 50, queriesTotal: 100 });
  });

  it('keeps accumulating reset-safe totals across a replica restart', async () => {
    let counters = { hits: 500, queries: 1000 };
    const server = await replicaServer({ '/metrics': () => vllmV1(counters) });
    const monitor = monitorFor(createStaticSource([server.url]));
    await monitor.scrapeOnce();
    counters = { hits: 600, queries: 1200 };
    await monitor.scrapeOnce();
    counters = { hits: 20, queries: 40 }; // restarted
    await monitor.scrapeOnce();
    expect(monitor.figures()[0]?.prefixCacheHitRatio).toBe(0.5);
    expect(monitor.counters()).toEqual([{ replica: '127.0.0.1:' + new URL(server.url).port, hitsTotal: 120, queriesTotal: 240 }]);
  });

  it('uses the engine hit-rate gauge for SGLang, which has no counters', async () => {
    const server = await replicaServer({ '/metrics': () => sglang });
    const monitor = monitorFor(createStaticSource([{ name: 'sg', url: server.url }]));
    await monitor.scrapeOnce();
    expect(monitor.figures()[0]).toMatchObject({ up: true, prefixCacheHitRatio: 0.75, kvCacheUsage: 0.28, running: 5, waiting: 2 });
  });

  it('matches DCGM GPU utilisation to replicas by pod label, per GPU and averaged', async () => {
    const server = await replicaServer({
      '/a': () => vllmV1({ hits: 0, queries: 0 }),
      '/b': () => vllmV1({ hits: 0, queries: 0 }),
      '/c': () => vllmV1({ hits: 0, queries: 0 }),
      '/dcgm': () => dcgm,
    });
    const monitor = monitorFor(
      createStaticSource(['a', 'b', 'c'].map((x) => ({ name: `pod-${x}`, url: `${server.url}/${x}` }))),
      { dcgmUrl: `${server.url}/dcgm` },
    );
    await monitor.scrapeOnce();
    expect(monitor.gpus()).toEqual([
      { replica: 'pod-a', gpu: '0', ratio: 0.8 },
      { replica: 'pod-a', gpu: '1', ratio: 0.4 },
      { replica: 'pod-b', gpu: '0', ratio: 1 },
    ]);
    const util = monitor.figures().map((f) => [f.name, f.gpuUtilization]);
    expect(util[0]?.[1]).toBeCloseTo(0.6);
    expect(util.slice(1)).toEqual([
      ['pod-b', 1],
      ['pod-c', null],
    ]);
  });

  it("reads DCGM-style utilisation from a replica's own page when no DCGM exporter is set (the simulator)", async () => {
    const own = `${vllmV1({ hits: 0, queries: 0 })}# TYPE DCGM_FI_DEV_GPU_UTIL gauge\nDCGM_FI_DEV_GPU_UTIL{gpu="0",pod="sim-0"} 25\n`;
    const server = await replicaServer({ '/metrics': () => own });
    const monitor = monitorFor(createStaticSource([{ name: 'sim-0', url: server.url }]));
    await monitor.scrapeOnce();
    expect(monitor.gpus()).toEqual([{ replica: 'sim-0', gpu: '0', ratio: 0.25 }]);
    expect(monitor.figures()[0]?.gpuUtilization).toBe(0.25);
  });

  it('bounds the replicas per target, dropping the extra ones with one warning', async () => {
    const server = await replicaServer({ '/metrics': () => vllmV1({ hits: 0, queries: 0 }) });
    const logger = recordingLogger();
    const listed: Replica[] = ['r4', 'r2', 'r1', 'r3', 'r5', 'r1'].map((name) => ({ name, metricsUrl: `${server.url}/metrics` }));
    const monitor = monitorFor({ list: () => Promise.resolve(listed) }, { maxReplicas: 3, logger });
    await monitor.scrapeOnce();
    await monitor.scrapeOnce();
    expect(monitor.figures().map((f) => f.name)).toEqual(['r1', 'r2', 'r3']);
    const warnings = logger.lines.filter((l) => l.msg === 'replicas over the bound were dropped');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.obj).toMatchObject({ droppedCount: 3, dropped: ['r1 (duplicate)', 'r4', 'r5'] });
  });

  it('sanitises and truncates replica names', () => {
    expect(sanitiseReplicaName('vllm-0.ns:8000')).toBe('vllm-0.ns:8000');
    expect(sanitiseReplicaName('a b/c"d')).toBe('a_b_c_d');
    expect(sanitiseReplicaName('x'.repeat(300))).toHaveLength(128);
    expect(sanitiseReplicaName('')).toBe('_');
  });

  it('forgets replicas that leave discovery and reports them once', async () => {
    const server = await replicaServer({ '/metrics': () => vllmV1({ hits: 0, queries: 0 }) });
    const url = `${server.url}/metrics`;
    let listed: Replica[] = [
      { name: 'a', metricsUrl: url },
      { name: 'b', metricsUrl: url },
    ];
    const removedByCallback: string[] = [];
    const monitor = monitorFor({ list: () => Promise.resolve(listed) }, { onRemove: (r) => removedByCallback.push(r) });
    await monitor.scrapeOnce();
    listed = [{ name: 'a', metricsUrl: url }];
    await monitor.scrapeOnce();
    expect(monitor.figures().map((f) => f.name)).toEqual(['a']);
    expect(monitor.counters().map((c) => c.replica)).toEqual(['a']);
    expect(monitor.replicasRemoved()).toEqual(['b']);
    expect(monitor.replicasRemoved()).toEqual([]);
    expect(removedByCallback).toEqual(['b']);
  });

  it('survives a source that throws, keeping the replicas it knew', async () => {
    const server = await replicaServer({ '/metrics': () => vllmV1({ hits: 0, queries: 0 }) });
    let fail = false;
    const source: ReplicaSource = {
      list: () => (fail ? Promise.reject(new Error('boom')) : Promise.resolve([{ name: 'a', metricsUrl: `${server.url}/metrics` }])),
    };
    const monitor = monitorFor(source);
    await monitor.scrapeOnce();
    fail = true;
    await monitor.scrapeOnce();
    expect(monitor.figures().map((f) => [f.name, f.up])).toEqual([['a', true]]);
    expect(monitor.replicasRemoved()).toEqual([]);
  });

  it('scrapes on its interval once started and stops cleanly', async () => {
    let requests = 0;
    const server = await replicaServer({
      '/metrics': () => {
        requests++;
        return vllmV1({ hits: requests * 10, queries: requests * 20 });
      },
    });
    const clock = new FakeClock();
    const monitor = monitorFor(createStaticSource([server.url]), { clock, logger: pino({ level: 'silent' }) });
    monitor.start();
    monitor.start(); // idempotent
    while (requests < 3) await new Promise((r) => setTimeout(r, 5));
    await monitor.stop();
    const seen = requests;
    expect(clock.now()).toBeGreaterThanOrEqual(2000);
    expect(monitor.figures()[0]?.prefixCacheHitRatio).toBe(0.5);
    await new Promise((r) => setTimeout(r, 20));
    expect(requests).toBe(seen);
  });
});
