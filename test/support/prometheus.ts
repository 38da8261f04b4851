import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopProcess } from './stop-process.js';

/**
 * A real Prometheus for end-to-end tests: loopback only, a free port, a generated config and a temp
 * storage directory, removed on stop. Pair with findTool('prometheus', ...) from ./tools.js.
 */
export interface ScrapeTarget {
  job: string;
  /** host:port */
  address: string;
  metricsPath?: string;
  params?: Record<string, string[]>;
  scrapeTimeout?: string;
  /** Labels added to every series of the target, as service discovery adds `namespace`. */
  labels?: Record<string, string>;
}

export interface PrometheusOptions {
  binary: string;
  targets: readonly ScrapeTarget[];
  /** e.g. "1s" */
  scrapeInterval?: string;
  evaluationInterval?: string;
  /** Absolute paths of rule files to load. */
  ruleFiles?: readonly string[];
  /** Alertmanager host:port, when alerts should be sent. */
  alertmanager?: string;
  /** e.g. ['exemplar-storage'] */
  features?: readonly string[];
  /** Agent mode (`--enable-feature=agent`): scrape and remote-write only, no local queries or rules. */
  agent?: boolean;
  /** Remote-write endpoints (`http://host:port/api/v1/write`) every scraped sample is sent to. */
  remoteWrite?: readonly string[];
  /** Accept remote-written samples at /api/v1/write: a central store. */
  remoteWriteReceiver?: boolean;
}

export interface VectorSample {
  metric: Record<string, string>;
  value: number;
}

export interface RunningPrometheus {
  url: string;
  /** Instant query; throws on an API error. */
  query(promql: string): Promise<VectorSample[]>;
  /** Raw GET of an API path (e.g. /api/v1/query_exemplars?...), parsed JSON `data`. */
  api<T>(pathAndQuery: string): Promise<T>;
  /** Polls `check` until it returns a value or the timeout passes (then throws with the last error). */
  waitFor<T>(check: () => Promise<T | undefined | null | false>, timeoutMs: number, intervalMs?: number): Promise<T>;
  logs(): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function yamlConfig(o: PrometheusOptions): string {
  const lines = ['global:', `  scrape_interval: ${o.scrapeInterval ?? '1s'}`, `  evaluation_interval: ${o.evaluationInterval ?? o.scrapeInterval ?? '1s'}`];
  if (o.ruleFiles?.length) lines.push('rule_files:', ...o.ruleFiles.map((f) => `  - ${JSON.stringify(f)}`));
  if (o.alertmanager) lines.push('alerting:', '  alertmanagers:', '    - static_configs:', `        - targets: [${JSON.stringify(o.alertmanager)}]`);
  if (o.remoteWrite?.length) lines.push('remote_write:');
  // A one-second batch deadline keeps the central store's view a second or two behind the exporters.
  for (const url of o.remoteWrite ?? []) lines.push(`  - url: ${JSON.stringify(url)}`, '    queue_config: { batch_send_deadline: 1s }');
  lines.push(`scrape_configs:${o.targets.length === 0 ? ' []' : ''}`);
  for (const t of o.targets) {
    lines.push(`  - job_name: ${JSON.stringify(t.job)}`);
    if (t.metricsPath) lines.push(`    metrics_path: ${JSON.stringify(t.metricsPath)}`);
    if (t.scrapeTimeout) lines.push(`    scrape_timeout: ${t.scrapeTimeout}`);
    if (t.params) lines.push(`    params: ${JSON.stringify(t.params)}`);
    lines.push('    static_configs:', `      - targets: [${JSON.stringify(t.address)}]`);
    if (t.labels) lines.push(`        labels: ${JSON.stringify(t.labels)}`);
  }
  return `${lines.join('\n')}\n`;
}

export async function startPrometheus(options: PrometheusOptions): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'kvcanary-prom-'));
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, yamlConfig(options));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const storage = options.agent === true ? `--storage.agent.path=${join(dir, 'wal')}` : `--storage.tsdb.path=${join(dir, 'data')}`;
  const args = [`--config.file=${configFile}`, storage, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'];
  const features = [...(options.features ?? []), ...(options.agent === true ? ['agent'] : [])];
  if (features.length) args.push(`--enable-feature=${features.join(',')}`);
  if (options.remoteWriteReceiver === true) args.push('--web.enable-remote-write-receiver');
  return startService({ name: 'prometheus', binary: options.binary, args, url, dir, readyPath: '/-/ready' });
}

export interface ServiceOptions {
  /** For error messages: `prometheus`, `victoria-metrics`, `vmalert`. */
  name: string;
  binary: string;
  args: readonly string[];
  /** Where it listens (given in `args`): http://127.0.0.1:PORT */
  url: string;
  /** Its temp directory, removed on stop. */
  dir: string;
  /** Answers 200 once it serves. */
  readyPath: string;
}

/**
 * A server with Prometheus's HTTP API (Prometheus itself, VictoriaMetrics, vmalert) as a child process:
 * its logs kept, its API queried, stopped with SIGTERM (SIGKILL after 10 s) and its directory removed.
 */
export async function startService(options: ServiceOptions): Promise<RunningPrometheus> {
  const { url, dir, name } = options;
  const child: ChildProcess = spawn(options.binary, options.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let logs = '';
  const keep = (c: Buffer): void => void (logs = (logs + c.toString('utf8')).slice(-100_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const api = async <T>(pathAndQuery: string): Promise<T> => {
    const res = await fetch(`${url}${pathAndQuery}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${name} ${pathAndQuery}: ${body.error ?? res.status}`);
    return body.data;
  };
  const query = async (promql: string): Promise<VectorSample[]> => {
    const data = await api<{ resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] }>(`/api/v1/query?query=${encodeURIComponent(promql)}`);
    return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  };
  const waitFor = async <T>(check: () => Promise<T | undefined | null | false>, timeoutMs: number, intervalMs = 1000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    let last: unknown = 'condition not met';
    while (Date.now() < deadline) {
      try {
        const v = await check();
        if (v !== undefined && v !== null && v !== false) return v;
      } catch (err) {
        last = err;
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
    throw new Error(`timed out after ${timeoutMs} ms: ${last instanceof Error ? last.message : String(last)}\n${name} logs:\n${logs.slice(-2000)}`);
  };
  const stop = async (): Promise<void> => {
    await stopProcess(child, exited);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitFor(async () => child.exitCode === null && (await fetch(`${url}${options.readyPath}`)).ok, 30_000, 200);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, query, api, waitFor, logs: () => logs, stop };
}
