import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startService, type RunningPrometheus } from './prometheus.js';

/**
 * VictoriaMetrics (Debian `victoria-metrics`: the single-node server and its rule evaluator vmalert) for
 * end-to-end tests, loopback only: a central store that takes remote-write at /api/v1/write and answers
 * Prometheus's query API. Pair with findTool('victoria-metrics', ...) / findTool('vmalert', ...).
 */
export interface RunningVictoriaMetrics extends RunningPrometheus {
  /** Where agents remote-write to. */
  writeUrl: string;
}

export async function startVictoriaMetrics(binary: string): Promise<RunningVictoriaMetrics> {
  const dir = mkdtempSync(join(tmpdir(), 'kvcanary-vm-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = [
    `-httpListenAddr=127.0.0.1:${port}`,
    `-storageDataPath=${join(dir, 'data')}`,
    '-retentionPeriod=1d',
    // Its defaults hide the last minute of samples from queries and cache answers: a test reads what was just written.
    '-search.latencyOffset=1s',
    '-search.disableCache',
    '-loggerLevel=WARN',
  ];
  const vm = await startService({ name: 'victoria-metrics', binary, args, url, dir, readyPath: '/health' });
  return { ...vm, writeUrl: `${url}/api/v1/write` };
}

export interface VmalertOptions {
  binary: string;
  ruleFile: string;
  /** The VictoriaMetrics it reads from and writes recorded series and ALERTS back to. */
  victoriaMetrics: string;
  evaluationInterval: string;
  /** An Alertmanager-compatible receiver (vmalert needs one): see startAlertSink. */
  notifier: string;
}

export async function startVmalert(o: VmalertOptions): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'kvcanary-vmalert-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = [
    `-httpListenAddr=127.0.0.1:${port}`,
    `-rule=${o.ruleFile}`,
    `-datasource.url=${o.victoriaMetrics}`,
    `-remoteWrite.url=${o.victoriaMetrics}`,
    '-remoteWrite.flushInterval=1s',
    `-notifier.url=${o.notifier}`,
    `-evaluationInterval=${o.evaluationInterval}`,
    '-loggerLevel=WARN',
  ];
  return startService({ name: 'vmalert', binary: o.binary, args, url, dir, readyPath: '/health' });
}

/** A loopback receiver that accepts Alertmanager's v2 alert posts and keeps nothing: vmalert requires a notifier. */
export async function startAlertSink(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
