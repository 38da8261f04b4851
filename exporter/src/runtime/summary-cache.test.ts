import { describe, expect, it } from '@jest/globals';
import { Agent } from 'undici';
import { parseConfig } from '../config/load.js';
import { localScraper } from '../replicas/scraper.js';
import { bootstrapSample } from '../stats/bootstrap.js';
import { FakeClock } from '../test-support/fake-clock.js';
import { makeRecord } from '../test-support/records.js';
import { silentLogger } from '../util/logger.js';
import { seededRandom } from '../util/random.js';
import type { IntervalsRequest } from './offload.js';
import { SummaryCache } from './summary-cache.js';
import { createTargetRuntime } from './target-runtime.js';

const config = parseConfig({ targets: [{ name: 'vllm', url: 'http://127.0.0.1:9/v1', model: 'm' }] });
const [vllm] = config.targets ?? [];

function targetWith(requests: number, clock: FakeClock) {
  if (!vllm) throw new Error('the config has no target');
  const t = createTargetRuntime(vllm, {
    config,
    clock,
    logger: silentLogger,
    secrets: () => undefined,
    scraper: localScraper(() => new Agent()),
  });
  for (let i = 0; i < requests; i++) t.window.add(makeRecord({ target: 'vllm', conversation: i % 10, turn: 1 + Math.floor(i / 10), ttftMs: 50 + ((i * 37) % 100) }));
  return t;
}

/** The intervals as the worker computes them: the bootstrap of the request's samples, seeded by it. */
const bootstrap = (r: IntervalsRequest) => bootstrapSample(r.samples, { random: seededRandom(r.seed), iterations: r.iterations });

const cacheOf = (t: ReturnType<typeof targetWith>, clock: FakeClock, intervals: (r: IntervalsRequest) => ReturnType<typeof bootstrap> | Promise<ReturnType<typeof bootstrap>>) =>
  new SummaryCache([t], { config, clock, logger: silentLogger, workload: '0123456789ab', intervals: async (r) => intervals(r) });

describe('SummaryCache intervals', () => {
  it('computes the intervals where it is told to, shared by readers arriving at once, equal to the bootstrap here', async () => {
    const clock = new FakeClock();
    const t = targetWith(60, clock);
    const asked: IntervalsRequest[] = [];
    const cache = cacheOf(t, clock, (r) => {
      asked.push(r);
      return bootstrap(r);
    });
    const [a, b] = await Promise.all([cache.response(), cache.response()]);
    expect(asked).toHaveLength(1);
    expect(a).toBe(b);
    const direct = bootstrapSample(asked[0]?.samples ?? [], { random: seededRandom(60), iterations: 1000 });
    expect(a.targets[0]?.ci95).toEqual({ p50: direct.p50, p95: direct.p95, p99: direct.p99, cacheSpeedup: direct.cacheSpeedup });
    expect(a.targets[0]?.ci95.p50).not.toBeNull();
    expect(a.targets[0]).not.toHaveProperty('ci95Stale');
  });

  it('serves the last good intervals marked stale when computing them fails, and recovers', async () => {
    const clock = new FakeClock();
    const t = targetWith(60, clock);
    let failing = false;
    const cache = cacheOf(t, clock, (r) => {
      if (failing) throw new Error('worker exited with code 1');
      return bootstrap(r);
    });
    const good = await cache.response();
    failing = true;
    await clock.advance(6000);
    const stale = await cache.response();
    expect(stale.targets[0]?.ci95).toEqual(good.targets[0]?.ci95);
    expect(stale.targets[0]?.ci95Stale).toBe(true);
    failing = false;
    await clock.advance(6000);
    expect((await cache.response()).targets[0]).not.toHaveProperty('ci95Stale');
  });
});
