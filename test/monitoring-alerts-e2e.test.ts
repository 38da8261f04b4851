/**
 * The alert rules on a real Prometheus, scraping a real exporter against the embedded simulated clusters:
 * once the llm-d cluster's prefix-aware router is switched to random, conversations lose their cache
 * locality and Prometheus must report KVCanaryTTFTP95Regression or KVCanaryCacheSpeedupCollapsed for
 * llm-d, pending or firing. The rules are the production ones rendered with short windows
 * (`shortWindows()` in monitoring/src/config.ts). Loopback only, bounded in time.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recorded } from '@kvcanary/contract';
import { shortWindows } from '../monitoring/src/config.js';
import { renderRuleFile } from '../monitoring/src/render.js';
import { FAST_EMBEDDED_CONFIG, startServe, type RunningCli } from './support/cli.js';
import { startPrometheus, type RunningPrometheus } from './support/prometheus.js';
import { findTool } from './support/tools.js';

const prometheus = findTool('prometheus', 'apt-get install prometheus');
const run = prometheus ? describe : describe.skip;

const WATCHED = 'alertname=~"KVCanaryTTFTP95Regression|KVCanaryCacheSpeedupCollapsed", target="llm-d"';
const speedup = `${recorded.cacheSpeedup.name}{target="llm-d"}`;
const p95 = `${recorded.ttftP95.name}{target="llm-d"}`;

run('alert rules on a real Prometheus', () => {
  let dir: string;
  let exporter: RunningCli;
  let prom: RunningPrometheus;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kvcanary-alerts-e2e-'));
    writeFileSync(join(dir, 'kvcanary.yaml'), FAST_EMBEDDED_CONFIG);
    writeFileSync(join(dir, 'rules.yml'), renderRuleFile(shortWindows()));
    exporter = await startServe([`--config=${join(dir, 'kvcanary.yaml')}`, '--web.listen-address=127.0.0.1:0']);
    prom = await startPrometheus({
      binary: prometheus as string,
      targets: [{ job: 'kvcanary', address: new URL(exporter.url).host }],
      scrapeInterval: '1s',
      evaluationInterval: '2s',
      ruleFiles: [join(dir, 'rules.yml')],
    });
  });

  afterAll(async () => {
    await prom?.stop();
    await exporter?.stop('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports a regression or a speedup collapse after llm-d switches to random routing', async () => {
    const router = /simulated llm-d: (http:\/\/\S+)/.exec(exporter.stdout())?.[1];
    expect(router).toBeDefined();

    // Healthy first: llm-d's recorded figures exist, the regression has a reference, and neither alert is on.
    await prom.waitFor(async () => (await prom.query(`${speedup} > 0`)).length === 1, 120_000, 2000);
    await prom.waitFor(async () => (await prom.query(`avg_over_time(${p95}[30s] offset 45s)`)).length === 1, 120_000, 2000);
    await prom.waitFor(async () => (await prom.query(`ALERTS{${WATCHED}}`)).length === 0, 60_000, 2000);
    // Two queries: `or` would drop the second series, whose labels equal the first's once names are ignored.
    const figures = async (): Promise<string> =>
      JSON.stringify({
        p95: (await prom.query(p95))[0]?.value,
        speedup: (await prom.query(speedup))[0]?.value,
      });
    const before = await figures();

    // The printed URL is the OpenAI base (…/v1); the admin API sits at the router's root.
    const res = await fetch(new URL('/sim/router', router), { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ policy: 'random' }) });
    expect(res.ok).toBe(true);

    const alerts = await prom.waitFor(async () => {
      const found = await prom.query(`ALERTS{${WATCHED}}`);
      return found.length > 0 ? found : null;
    }, 150_000, 2000);
    const after = await figures();
    process.stderr.write(
      `alerts after random routing: ${JSON.stringify(alerts.map((a) => `${a.metric.alertname} ${a.metric.alertstate}`))}\n` +
        `llm-d before: ${before}\nllm-d after: ${after}\n`,
    );
    expect(alerts[0]?.metric.alertstate).toMatch(/^(pending|firing)$/);
  }, 480_000);
});
