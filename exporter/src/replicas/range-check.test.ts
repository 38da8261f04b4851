import { afterEach, describe, expect, it } from '@jest/globals';
import { FakeClock } from '../test-support/fake-clock.js';
import { startLoopback, type Loopback } from '../test-support/loopback.js';
import { recordingLogger } from '../test-support/recording-logger.js';
import { vllmV1 } from '../test-support/replica-pages.js';
import { PrefixCacheDeltas } from './counter-deltas.js';
import { createStaticSource } from './discovery-static.js';
import { parseExposition } from './exposition-parser.js';
import { createReplicaMonitor, type ReplicaMonitor } from './monitor.js';
import { normalise } from './normalise.js';
import { ProbeCounts } from './probe-counts.js';
import { dropOutOfRange } from './range-check.js';

/** A vLLM V1 page whose gauges say what no engine can mean. */
function brokenPage(o: { kv: number; running: number; waiting: number; hits: number; queries: number }): string {
  return `# TYPE vllm:kv_cache_usage_perc gauge
vllm:kv_cache_usage_perc{engine="0",model_name="m"} ${o.kv}
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{engine="0",model_name="m"} ${o.running}
# TYPE vllm:num_requests_waiting gauge
vllm:num_requests_waiting{engine="0",model_name="m"} ${o.waiting}
# TYPE vllm:prefix_cache_queries_total counter
vllm:prefix_cache_queries_total{engine="0",model_name="m"} ${o.queries}
# TYPE vllm:prefix_cache_hits_total counter
vllm:prefix_cache_hits_total{engine="0",model_name="m"} ${o.hits}
`;
}

const figuresOf = (page: string) => dropOutOfRange(normalise(parseExposition(page).samples));

describe('replica figures out of range', () => {
  it('drops KV usage outside 0-1 and negative counts, and says which', () => {
    const { figures, dropped } = figuresOf(brokenPage({ kv: 1.7, running: -3, waiting: 2, hits: 0, queries: 0 }));
    expect([figures.kvCacheUsage, figures.running, figures.waiting]).toEqual([null, null, 2]);
    expect(dropped).toEqual([
      { figure: 'kvCacheUsage', value: 1.7 },
      { figure: 'running', value: -3 },
    ]);
  });

  it('keeps every figure of a sane page', () => {
    const { figures, dropped } = figuresOf(vllmV1({ hits: 10, queries: 20 }));
    expect(dropped).toEqual([]);
    expect([figures.kvCacheUsage, figures.running, figures.waiting]).toEqual([0.375, 4, 2]);
  });

  it('drops a scrape step where hits grew faster than queries; the totals and the ratio never pass 1', () => {
    const d = new PrefixCacheDeltas();
    const one = (v: number) => new Map([['engine="0"', v]]);
    d.observe(one(100), one(200), 1000);
    expect(d.observe(one(400), one(250), 2000)).toEqual({ ratio: null, hitsDelta: 300, queriesDelta: 50, hitsOutgrewQueries: true });
    expect([d.hitsTotal, d.queriesTotal]).toEqual([0, 0]);
    // The next step is measured from the dropped scrape's values, as usual.
    expect(d.observe(one(440), one(350), 3000)).toEqual({ ratio: 0.4, hitsDelta: 40, queriesDelta: 100 });
  });
});

describe('a replica monitor reading a broken page', () => {
  let server: Loopback | null = null;
  let monitor: ReplicaMonitor | null = null;
  afterEach(async () => {
    await monitor?.stop();
    await server?.close();
  });

  it('exports none of the broken figures and warns once per figure and replica', async () => {
    let page = { kv: 1.7, running: -1, waiting: -2, hits: 100, queries: 200 };
    server = await startLoopback((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(brokenPage(page)));
    const logger = recordingLogger();
    monitor = createReplicaMonitor({
      target: 't',
      source: createStaticSource([{ name: 'pod-0', url: `${server.url}/metrics` }]),
      intervalMs: 1000,
      timeoutMs: 1000,
      maxBodyBytes: 64 * 1024,
      maxReplicas: 4,
      clock: new FakeClock(),
      logger,
      probes: new ProbeCounts(4),
    });
    await monitor.scrapeOnce();
    page = { ...page, hits: 500, queries: 250 };
    await monitor.scrapeOnce();
    page = { ...page, kv: 2.5, hits: 900, queries: 300 };
    await monitor.scrapeOnce();
    const [replica] = monitor.snapshot();
    expect(replica?.figures).toMatchObject({ up: true, kvCacheUsage: null, running: null, waiting: null, prefixCacheHitRatio: null });
    expect([replica?.prefixCacheHits, replica?.prefixCacheQueries]).toEqual([0, 0]);
    expect(logger.atLeast('warn').map((l) => [l.fields.replica, l.fields.figure, l.fields.value])).toEqual([
      ['pod-0', 'kvCacheUsage', 1.7],
      ['pod-0', 'running', -1],
      ['pod-0', 'waiting', -2],
      ['pod-0', 'prefixCacheHits', 400],
    ]);
  });
});
