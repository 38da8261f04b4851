import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLoopback } from '../../exporter/src/test-support/loopback.js';
import { freePort } from './prometheus.js';
import { stopProcess } from './stop-process.js';

/**
 * A real Alertmanager for end-to-end tests (Debian's `prometheus-alertmanager`): loopback only, a free
 * port, clustering off, a temp storage directory removed on stop. Pair with
 * findTool('prometheus-alertmanager', ...) from ./tools.js.
 */
export interface RunningAlertmanager {
  /** http://127.0.0.1:port */
  url: string;
  /** host:port, for Prometheus's alerting config. */
  address: string;
  /** GET /api/v2/alerts with optional `filter` matchers (https://github.com/prometheus/alertmanager, api/v2/openapi.yaml). */
  alerts(filter?: readonly string[]): Promise<AlertmanagerAlert[]>;
  /** POSTs alerts as a client other than Prometheus would. */
  post(alerts: readonly { labels: Record<string, string>; annotations?: Record<string, string> }[]): Promise<void>;
  logs(): string;
  stop(): Promise<void>;
}

export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  status: { state: string; inhibitedBy: string[]; silencedBy: string[] };
}

export async function startAlertmanager(binary: string, configYaml: string): Promise<RunningAlertmanager> {
  const dir = mkdtempSync(join(tmpdir(), 'kvcanary-am-'));
  const configFile = join(dir, 'alertmanager.yml');
  writeFileSync(configFile, configYaml);
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const url = `http://${address}`;
  const args = [`--config.file=${configFile}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=${address}`, '--cluster.listen-address=', '--log.level=warn'];
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let logs = '';
  const keep = (c: Buffer): void => void (logs = (logs + c.toString('utf8')).slice(-100_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`alertmanager exited ${child.exitCode}: ${logs.slice(-2000)}`);
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`alertmanager not ready after 30 s: ${logs.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    url,
    address,
    async alerts(filter = []) {
      const query = filter.map((f) => `filter=${encodeURIComponent(f)}`).join('&');
      const res = await fetch(`${url}/api/v2/alerts?${query}`);
      if (!res.ok) throw new Error(`alertmanager /api/v2/alerts: HTTP ${res.status}`);
      return (await res.json()) as AlertmanagerAlert[];
    },
    async post(alerts) {
      const res = await fetch(`${url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
      if (!res.ok) throw new Error(`alertmanager POST /api/v2/alerts: HTTP ${res.status} ${await res.text()}`);
    },
    logs: () => logs,
    async stop() {
      await stopProcess(child, exited);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One notification as Alertmanager's webhook receiver sends it (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config). */
export interface WebhookNotification {
  receiver: string;
  status: string;
  alerts: { status: string; labels: Record<string, string>; annotations: Record<string, string> }[];
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
}

/** A loopback webhook that keeps every notification with the path it was posted to. */
export async function startWebhook(): Promise<{ url: string; received: { path: string; body: WebhookNotification }[]; close(): Promise<void> }> {
  const received: { path: string; body: WebhookNotification }[] = [];
  const server = await startLoopback((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(text) as WebhookNotification });
      res.writeHead(200).end();
    });
  });
  return { url: server.url, received, close: () => server.close() };
}
