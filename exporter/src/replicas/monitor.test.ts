import { afterEach, describe, expect, it } from '@jest/globals';
import pino from 'pino';
import { Agent } from 'undici';
import { replicaLabelValue } from '@kvcanary/contract';
import { createStaticSource } from './discovery-static.js';
import type { ReplicaMonitor } from './monitor.js';
import { ProbeCounts } from './probe-counts.js';
import { localScraper } from './scraper.js';
import { FakeClock } from '../test-support/fake-clock.js';
import type { Loopback } from '../test-support/loopback.js';
import { pageServer, testMonitor } from '../test-support/replica-harness.js';
import { recordingLogger } from '../test-support/recording-logger.js';
import { dcgm, sglang, vllmV1 } from '../test-support/replica-pages.js';
import type { Replica, ReplicaSource } from './types.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

/** One loopback server playing many replicas by path, closed after the test. */
async function replicaServer(pages: Parameters<typeof pageServer>[0]): Promise<Loopback> {
  const server = await pageServer(pages);
  cleanups.push(() => server.close());
  return server;
}

/** The summary's figures of every replica, in order. */
const figures = (monitor: ReplicaMonitor) => monitor.snapshot().map((r) => r.figures);

function monitorFor(source: ReplicaSource, extra: Parameters<typeof testMonitor>[1] = {}): ReplicaMonitor {
  const monitor = testMonitor(source, extra);
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

    const byName = Object.fromEntries(figures(monitor).map((f) => [f.name, f]));
    expect(byName.good).toEqual({
      name: 'good',
      up: true,
      prefixCacheHitRatio: 0.5,
      prefixCache: 'enabled',
      prefixCacheNote: null,
      kvCacheUsage: 0.375,
      running: 4,
      waiting: 2,
      gpuUtilization: null,
      probeRequests: 0,
      // Its TTFT histogram did not move between the two scrapes: no request to take a mean of.
      engineTtftMeanMs: null,
      schedulerQueue: null,
    });
    for (const bad of ['garbled', 'huge', 'slow', 'failing']) {
      expect(byName[bad]).toMatchObject({ up: false, prefixCacheHitRatio: null, kvCacheUsage: null, running: null, prefixCacheNote: expect.stringMatching(/^replica down: /) });
    }
    const reasons = Object.fromEntries(
      logger.lines
        .filter((l) => l.msg === 'replica scrape failed')
        .map((l) => [(l.fields as { replica: string }).replica, (l.fields as { reason: string }).reason]),
    );
    expect(reasons.garbled).toMatch(/^malformed exposition/);
    expect(reasons.huge).toBe('page over 65536 bytes (replicaScrape.maxBodyBytes)');
    expect(reasons.slow).toBe('timed out after 300 ms');
    expect(reasons.failing).toBe('HTTP 500');
    // Logged once per replica, not once per scrape.
    expect(logger.lines.filter((l) => l.msg === 'replica scrape failed')).toHaveLength(4);
    expect(monitor.snapshot().find((r) => r.figures.name === 'good')).toMatchObject({ prefixCacheCounters: { hits: 50, queries: 100 } });
  });

  it('keeps the last good figures when the scraper itself fails (a replaced worker), and says so', async () => {
    const server = await replicaServer({ '/metrics': () => vllmV1({ hits: 900, queries: 1000 }) });
    const logger = recordingLogger();
    let workerDown = false;
    const inThread = localScraper(() => new Agent());
    const monitor = monitorFor(createStaticSource([{ name: 'r0', url: `${server.url}/metrics` }]), {
      logger,
      scraper: (request, signal) => (workerDown ? Promise.reject(new Error('worker exited with code 1')) : inThread(request, signal)),
    });
    await monitor.scrapeOnce();
    const before = figures(monitor);
    expect(before[0]).toMatchObject({ name: 'r0', up: true, running: 4 });

    workerDown = true;
    await monitor.scrapeOnce();

    expect(figures(monitor)).toEqual(before);
    expect(logger.lines.find((l) => l.msg === 'scraper failed; the last good figures are kept')?.fields).toMatchObject({ err: 'worker exited with code 1' });
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
    expect(figures(monitor)[0]?.prefixCacheHitRatio).toBe(0.5);
    expect(monitor.snapshot()).toMatchObject([{ figures: { name: `127.0.0.1:${new URL(server.url).port}` }, prefixCacheCounters: { hits: 120, queries: 240 } }]);
  });

  it("does not take SGLang's per-batch hit-rate gauge for a hit ratio, and says why there is none", async () => {
    const server = await replicaServer({ '/metrics': () => sglang });
    const monitor = monitorFor(createStaticSource([{ name: 'sg', url: server.url }]));
    await monitor.scrapeOnce();
    expect(figures(monitor)[0]).toMatchObject({
      up: true,
      prefixCacheHitRatio: null,
      prefixCache: 'unknown',
      prefixCacheNote: 'the page has no prefix-cache hit and query counters',
      kvCacheUsage: 0.28,
      running: 5,
      waiting: 2,
    });
    expect(monitor.snapshot()[0]?.prefixCacheCounters).toBeNull();
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
    expect(monitor.snapshot().map((r) => [r.figures.name, r.gpus])).toEqual([
      ['pod-a', [{ gpu: '0', utilization: 0.8 }, { gpu: '1', utilization: 0.4 }]],
      ['pod-b', [{ gpu: '0', utilization: 1 }]],
      ['pod-c', []],
    ]);
    const util = figures(monitor).map((f) => [f.name, f.gpuUtilization]);
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
    expect(monitor.snapshot()[0]?.gpus).toEqual([{ gpu: '0', utilization: 0.25 }]);
    expect(figures(monitor)[0]?.gpuUtilization).toBe(0.25);
  });

  it('bounds the replicas per target, dropping the extra ones with one warning', async () => {
    const server = await replicaServer({ '/metrics': () => vllmV1({ hits: 0, queries: 0 }) });
    const logger = recordingLogger();
    const listed: Replica[] = ['r4', 'r2', 'r1', 'r3', 'r5', 'r1'].map((name) => ({ name, metricsUrl: `${server.url}/metrics` }));
    const monitor = monitorFor({ list: () => Promise.resolve(listed) }, { maxReplicas: 3, logger });
    await monitor.scrapeOnce();
    await monitor.scrapeOnce();
    expect(figures(monitor).map((f) => f.name)).toEqual(['r1', 'r2', 'r3']);
    const warnings = logger.lines.filter((l) => l.msg === 'replicas over the bound were dropped');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.fields).toMatchObject({ droppedCount: 3, dropped: ['r1 (duplicate)', 'r4', 'r5'] });
  });

  it('names replicas by the contract rule, so a discovered pod and a response header meet on one label', async () => {
    const server = await replicaServer({ '/metrics': () => vllmV1({ hits: 0, queries: 0 }) });
    const listed: Replica[] = ['pod/a b', '  ', 'vllm-0.ns:8000'].map((name) => ({ name, metricsUrl: `${server.url}/metrics` }));
    const probes = new ProbeCounts(64);
    probes.count(replicaLabelValue('pod/a b') as string);
    const monitor = monitorFor({ list: () => Promise.resolve(listed) }, { probes });
    await monitor.scrapeOnce();
    expect(figures(monitor).map((f) => [f.name, f.probeRequests])).toEqual([
      ['pod_a_b', 1],
      ['vllm-0.ns:8000', 0],
    ]);
  });

  it('forgets a replica that leaves discovery, its probe counts with it, and keeps the others', async () => {
    const server = await replicaServer({ '/metrics': () => vllmV1({ hits: 0, queries: 0 }) });
    const url = `${server.url}/metrics`;
    let listed: Replica[] = [
      { name: 'a', metricsUrl: url },
      { name: 'b', metricsUrl: url },
    ];
    const probes = new ProbeCounts(64);
    for (const r of ['a', 'b', 'b', 'undiscovered']) probes.count(r);
    const monitor = monitorFor({ list: () => Promise.resolve(listed) }, { probes });
    await monitor.scrapeOnce();
    expect(figures(monitor).map((f) => [f.name, f.probeRequests])).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    listed = [{ name: 'a', metricsUrl: url }];
    await monitor.scrapeOnce();
    expect(figures(monitor).map((f) => f.name)).toEqual(['a']);
    expect([...probes.snapshot()]).toEqual([
      ['a', 1],
      ['undiscovered', 1],
    ]);
    // Reading is not consuming: a second reader sees the same.
    expect(monitor.snapshot()).toEqual(monitor.snapshot());
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
    expect(figures(monitor).map((f) => [f.name, f.up])).toEqual([['a', true]]);
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
    monitor.start(); // idempotent: still one loop, one scrape per interval
    for (let scrapes = 1; scrapes <= 3; scrapes++) {
      await clock.sleeping();
      expect(requests).toBe(scrapes);
      await clock.advance(1000);
    }
    await clock.sleeping();
    await monitor.stop();
    expect(clock.pending()).toBe(0);
    await clock.advance(10_000);
    expect(requests).toBe(4);
    expect(figures(monitor)[0]?.prefixCacheHitRatio).toBe(0.5);
  });
});
