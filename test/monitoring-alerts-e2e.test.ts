/**
 * The alert rules on a real Prometheus, scraping a real exporter against the embedded simulated clusters,
 * sending to a real Alertmanager running the example config (monitoring/alertmanager/alertmanager.yml)
 * whose receivers post to a loopback webhook. Once the llm-d cluster's prefix-aware router is switched to
 * random, conversations lose their cache locality: the llm-d team's receiver (routed by the exporter's
 * namespace) gets KVCanaryTTFTP95Regression with its figures, threshold and links filled in, while the
 * round-robin baseline's poor cache speedup alerts nobody, and a failing probe of llm-d inhibits it.
 * The rules are the production ones rendered with short windows (`shortWindows()` in
 * monitoring/src/config.ts). Loopback only, bounded in time.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { recorded } from '@kvcanary/contract';
import { shortWindows } from '../monitoring/src/config.js';
import { renderRuleFile } from '../monitoring/src/render.js';
import { startAlertmanager, startWebhook, type RunningAlertmanager, type WebhookNotification } from './support/alertmanager.js';
import { FAST_EMBEDDED_CONFIG, startServe, type RunningCli } from './support/cli.js';
import { startPrometheus, type RunningPrometheus } from './support/prometheus.js';
import { findTool } from './support/tools.js';

const prometheus = findTool('prometheus', 'apt-get install prometheus');
const alertmanager = prometheus ? findTool('prometheus-alertmanager', 'apt-get install prometheus-alertmanager') : null;
const run = prometheus && alertmanager ? describe : describe.skip;

/** The namespace the exporter is scraped in, as Kubernetes service discovery would label it. */
const NAMESPACE = 'llm-serving';
const REGRESSION = 'KVCanaryTTFTP95Regression';
const COLLAPSE = 'KVCanaryCacheSpeedupCollapsed';
const speedup = (target: string) => `${recorded.cacheSpeedup.name}{target="${target}"}`;
const p95 = `${recorded.ttftP95.name}{target="llm-d"}`;
/**
 * The short-window rules with a cache-speedup threshold no simulated target reaches, so that both
 * targets are under it whatever the simulator measures today: the baseline staying quiet is then the
 * role filter's doing, and the candidate firing shows the same rule does fire.
 */
const rules = { ...shortWindows(), cacheSpeedup: { ...shortWindows().cacheSpeedup, min: 1000 } };

interface AlertmanagerConfig {
  route: Record<string, unknown>;
  receivers: { name: string; webhook_configs?: { url: string }[] }[];
}

/** The example config as shipped, with every receiver posting to `webhook/<receiver>` and groups sent at once. */
function exampleConfigFor(webhook: string): string {
  const file = join(dirname(fileURLToPath(import.meta.url)), '..', 'monitoring', 'alertmanager', 'alertmanager.yml');
  const config = parse(readFileSync(file, 'utf8')) as AlertmanagerConfig;
  Object.assign(config.route, { group_wait: '1s', group_interval: '2s' });
  for (const r of config.receivers) for (const w of r.webhook_configs ?? []) w.url = `${webhook}/${r.name}`;
  return stringify(config);
}

run('alerts from a real Prometheus through the example Alertmanager config', () => {
  let dir: string;
  let exporter: RunningCli;
  let prom: RunningPrometheus;
  let am: RunningAlertmanager;
  let webhook: Awaited<ReturnType<typeof startWebhook>>;
  const notified = (alertname: string, target: string): { path: string; body: WebhookNotification }[] =>
    webhook.received.filter((n) => n.body.alerts.some((a) => a.labels.alertname === alertname && a.labels.target === target));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kvcanary-alerts-e2e-'));
    writeFileSync(join(dir, 'kvcanary.yaml'), FAST_EMBEDDED_CONFIG);
    writeFileSync(join(dir, 'rules.yml'), renderRuleFile(rules));
    webhook = await startWebhook();
    am = await startAlertmanager(alertmanager as string, exampleConfigFor(webhook.url));
    exporter = await startServe([`--config=${join(dir, 'kvcanary.yaml')}`, '--web.listen-address=127.0.0.1:0']);
    prom = await startPrometheus({
      binary: prometheus as string,
      targets: [{ job: 'kvcanary', address: new URL(exporter.url).host, labels: { namespace: NAMESPACE } }],
      scrapeInterval: '1s',
      evaluationInterval: '2s',
      ruleFiles: [join(dir, 'rules.yml')],
      alertmanager: am.address,
    });
  });

  afterAll(async () => {
    await prom?.stop();
    await am?.stop();
    await webhook?.close();
    await exporter?.stop('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('leaves the round-robin baseline alone although its cache speedup is under the threshold, and fires for the candidate', async () => {
    // Both targets' speedups exist (a first sample can be 0/0), then a few evaluations pass: rules run
    // every 2 s with no `for`, so a collapse alert for vllm would be firing by then.
    await prom.waitFor(async () => (await prom.query(`${speedup('vllm')} > 0`)).length === 1 && (await prom.query(`${speedup('llm-d')} > 0`)).length === 1, 120_000, 2000);
    await new Promise((r) => setTimeout(r, 10_000));
    const baseline = (await prom.query(speedup('vllm')))[0]?.value;
    process.stderr.write(`vllm (round-robin baseline) cache speedup: ${baseline}\n`);
    expect(baseline).toBeLessThan(rules.cacheSpeedup.min);
    expect((await prom.query(`ALERTS{alertname="${COLLAPSE}", target="llm-d", alertstate="firing"}`)).length).toBe(1);
    expect((await prom.query(`ALERTS{alertname="${COLLAPSE}", target="vllm"}`)).length).toBe(0);
    expect(notified(COLLAPSE, 'vllm')).toEqual([]);
  }, 240_000);

  it('routes the regression after llm-d switches to random routing to its namespace, with figures, threshold and links', async () => {
    const router = /simulated llm-d: (http:\/\/\S+)/.exec(exporter.stdout())?.[1];
    expect(router).toBeDefined();
    // Healthy first: the regression has a reference and is not firing.
    await prom.waitFor(async () => (await prom.query(`avg_over_time(${p95}[30s] offset 45s)`)).length === 1, 120_000, 2000);
    await prom.waitFor(async () => (await prom.query(`ALERTS{alertname="${REGRESSION}", target="llm-d"}`)).length === 0, 60_000, 2000);
    const before = (await prom.query(p95))[0]?.value;

    // The printed URL is the OpenAI base (…/v1); the admin API sits at the router's root.
    const res = await fetch(new URL('/sim/router', router), { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ policy: 'random' }) });
    expect(res.ok).toBe(true);

    const [notification] = await prom.waitFor(async () => {
      const found = notified(REGRESSION, 'llm-d');
      return found.length > 0 ? found : null;
    }, 240_000, 2000);
    process.stderr.write(`llm-d P95 before: ${before}, after: ${(await prom.query(p95))[0]?.value}\nnotification: ${JSON.stringify(notification?.body, null, 2)}\n`);
    expect(notification?.path).toBe('/llm-serving-team');
    const alert = notification?.body.alerts.find((a) => a.labels.alertname === REGRESSION);
    expect(alert?.labels).toEqual({ alertname: REGRESSION, namespace: NAMESPACE, target: 'llm-d', severity: 'warning' });
    const { summary = '', description = '', runbook_url, dashboard_url } = alert?.annotations ?? {};
    const ratio = Number(/^llm-d P95 TTFT is ([\d.]+)x its level 45s ago$/.exec(summary)?.[1]);
    expect(ratio).toBeGreaterThan(rules.ttftRegression.factor);
    // The measured P95 (a humanised duration), the same ratio, and the threshold.
    expect(description).toMatch(new RegExp(`^P95 time to first token of llm-d is [\\d.]+m?s over the last 30s, ${ratio}x its 30s average 45s earlier \\(threshold 1\\.5x and above 0\\.05s, for 0s\\)\\. Check `));
    expect(runbook_url).toBe('https://github.com/kvcanary/kvcanary/blob/main/docs/alert-runbook.md#kvcanaryttftp95regression');
    expect(dashboard_url).toBe('http://localhost:3000/d/kvcanary-overview?var-target=llm-d');
  }, 480_000);

  it('silences the latency alerts of a target whose probes fail (inhibition), and only that target', async () => {
    // Alerts posted as Prometheus posts them: the regression above resolves once its reference window
    // catches up, so this case brings its own latency alerts for both targets.
    const alert = (alertname: string, target: string, severity: string) => ({ labels: { alertname, namespace: NAMESPACE, target, severity } });
    await am.post([alert('KVCanaryProbeFailing', 'llm-d', 'critical'), alert(REGRESSION, 'llm-d', 'warning'), alert(REGRESSION, 'vllm', 'warning')]);
    const inhibited = await prom.waitFor(async () => {
      const found = await am.alerts([`alertname="${REGRESSION}"`, 'target="llm-d"']);
      return found.every((a) => a.status.state === 'suppressed') && found.length > 0 ? found : null;
    }, 30_000, 1000);
    expect(inhibited.map((a) => a.status.inhibitedBy.length)).toEqual(inhibited.map(() => 1));
    const others = await am.alerts(['target="vllm"']);
    expect(others.filter((a) => a.status.inhibitedBy.length > 0)).toEqual([]);
  }, 60_000);
});
