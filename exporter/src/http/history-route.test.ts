import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { historyResponseSchema, recordsResponseSchema } from '@kvcanary/contract/schemas';
import { parseConfig } from '../config/load.js';
import { startExporter, type Exporter } from '../runtime/exporter.js';
import { HISTORY_INTERVAL_MS } from '../runtime/figure-history.js';
import { FakeClock } from '../test-support/fake-clock.js';
import { silentLogger } from '../util/logger.js';
import { createApp } from './app.js';
import { listen, type RunningServer } from './http-server.js';
import { displayUrl } from './listen-address.js';

/**
 * /api/v1/history and /api/v1/records of a real exporter on the injected clock, against a target where
 * nothing listens: every probe fails at once (for real, over loopback), the clock decides when a
 * history point is taken.
 */
describe('/api/v1/history and /api/v1/records', () => {
  const clock = new FakeClock();
  let exporter: Exporter;
  let server: RunningServer;
  let base: string;

  beforeAll(async () => {
    const config = parseConfig({
      targets: [{ name: 'dead', url: 'http://127.0.0.1:9/v1', model: 'm' }],
      pacing: { concurrency: 1, turns: 2, thinkTime: { min: '1s', max: '1s' }, timeout: '1s' },
      history: { duration: '2m' },
    });
    exporter = startExporter({ config, secrets: { targets: new Map(), webAuth: null }, documents: [{ name: 'a.md', type: 'TEXT', content: 'text '.repeat(50) }], seed: 1, version: 'test', logger: silentLogger, clock });
    server = await listen(createApp({ view: exporter.view, auth: null, logger: silentLogger, staticDir: null }), { host: '127.0.0.1', port: 0 });
    base = displayUrl(server.address);
  });

  afterAll(async () => {
    await server?.close();
    const stopped = exporter?.stop(0);
    await clock.advance(1000);
    await stopped;
  });

  /** Moves the fake clock a second at a time, giving the real connection attempts real time to fail. */
  async function run(seconds: number): Promise<void> {
    for (let i = 0; i < seconds; i++) {
      await clock.advance(1000);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  it('serves no point before the first minute, then one a minute, schema-valid, bounded by history.duration', async () => {
    await run(5);
    const empty = historyResponseSchema.parse(await (await fetch(`${base}/api/v1/history`)).json());
    expect(empty).toMatchObject({ intervalSeconds: 60, maxPoints: 2, windowSeconds: 600, targets: [{ target: 'dead', points: [] }] });

    await run(HISTORY_INTERVAL_MS / 1000);
    const one = historyResponseSchema.parse(await (await fetch(`${base}/api/v1/history`)).json());
    const [point] = one.targets[0]?.points ?? [];
    expect(point?.requests).toBeGreaterThan(0);
    // Every probe failed: the whole window is errors, and there is no TTFT to take a percentile of.
    expect(point).toMatchObject({ errorRatio: 1, p50Ms: null, p95Ms: null, p99Ms: null, cacheSpeedup: null });

    await run(2 * (HISTORY_INTERVAL_MS / 1000));
    const bounded = historyResponseSchema.parse(await (await fetch(`${base}/api/v1/history`)).json());
    expect(bounded.targets[0]?.points).toHaveLength(2);
  });

  it("serves the window's request records with the pacing they were probed at", async () => {
    const records = recordsResponseSchema.parse(await (await fetch(`${base}/api/v1/records`)).json());
    expect(records.pacing).toEqual({ concurrency: 1, turns: 2, meanThinkSeconds: 1 });
    expect(records.targets[0]?.target).toBe('dead');
    expect(records.targets[0]?.records.length).toBeGreaterThan(0);
    expect(new Set(records.targets[0]?.records.map((r) => r.outcome))).toEqual(new Set(['connect_error']));
  });
});
