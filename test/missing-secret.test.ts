/**
 * `kvcanary serve` with a target whose API key file is not mounted yet, as in a pod whose optional
 * Secret does not exist: the exporter starts and serves /metrics, that target is down with its requests
 * counted as missing_secret, the log and /api/v1/summary name the missing file, and once the file
 * appears (the kubelet mounting the Secret) the target is probed with the key, without a restart.
 * Readiness ("probing works") follows once the key is read and a request has finished.
 * Loopback only: the target is a minimal OpenAI-compatible server that refuses requests without the key.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEFAULT_VANTAGE, MISSING_SECRET, exporterMetrics as m } from '@kvcanary/contract';
import { summaryResponseSchema } from '@kvcanary/contract/schemas';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServe, type RunningCli } from './support/cli.js';
import { poll } from './support/served-exporter.js';

const KEY = 'sk-kvcanary-e2e-4f1c9a';

/** /v1/models and a streamed /v1/chat/completions, both only for `Bearer KEY`; every Authorization seen is kept. */
function keyedServer(seen: string[]): Server {
  return createServer((req, res) => {
    const auth = req.headers.authorization ?? '(none)';
    seen.push(auth);
    if (auth !== `Bearer ${KEY}`) return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"message":"invalid api key"}}');
    if (req.url === '/v1/models') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[{"id":"m"}]}');
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'ok' } }] })}\n\n`);
      res.end('data: [DONE]\n\n');
    });
  });
}

const metricLine = (body: string, prefix: string): string | undefined => body.split('\n').find((l) => l.startsWith(prefix));

describe('a target whose API key is not mounted yet', () => {
  let dir: string;
  let keyFile: string;
  let server: Server;
  let exporter: RunningCli;
  const seen: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kvcanary-missing-secret-'));
    keyFile = join(dir, 'secret', 'api-key');
    server = keyedServer(seen);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    writeFileSync(
      join(dir, 'kvcanary.yaml'),
      [
        'targets:',
        `  - { name: prod, url: "http://127.0.0.1:${port}/v1", model: m, apiKeyFile: ${JSON.stringify(keyFile)} }`,
        'pacing: { concurrency: 1, turns: 2, maxTokens: 8, thinkTime: { min: 100ms, max: 200ms }, timeout: 5s, seed: 1 }',
        'shutdownGrace: 1s',
      ].join('\n'),
    );
    exporter = await startServe([`--config=${join(dir, 'kvcanary.yaml')}`, '--web.listen-address=127.0.0.1:0']);
  });

  afterAll(async () => {
    await exporter?.stop('SIGTERM');
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves /metrics with the target down and its requests counted as missing_secret, saying which file is missing', async () => {
    const metrics = await (await fetch(`${exporter.url}/metrics`)).text();
    expect(metricLine(metrics, `${m.targetUp.name}{target="prod",vantage="${DEFAULT_VANTAGE}"}`)).toBe(`${m.targetUp.name}{target="prod",vantage="${DEFAULT_VANTAGE}"} 0`);
    expect(metricLine(metrics, `${m.requests.name}{target="prod",model="m",outcome="${MISSING_SECRET}",vantage="${DEFAULT_VANTAGE}"}`)).toMatch(/ [1-9]\d*$/);

    const problem = `targets[0].apiKeyFile: cannot read ${keyFile} (ENOENT)`;
    const summary = summaryResponseSchema.parse(await (await fetch(`${exporter.url}/api/v1/summary`)).json());
    expect(summary.targets.map((t) => [t.summary.target, t.up, t.problem])).toEqual([['prod', false, problem]]);
    // Ready means probing works (issue 12): it does not yet, and readiness says why; /metrics is served all the same.
    const ready = await fetch(`${exporter.url}/-/ready`);
    expect({ status: ready.status, body: await ready.text() }).toEqual({ status: 503, body: 'Not ready: prod: API key missing\n' });

    const logged = exporter
      .stderr()
      .split('\n')
      .filter((l) => l.includes('API key'))
      .map((l) => JSON.parse(l) as { level: number; target: string; missing: string; msg: string });
    expect(logged.map(({ level, target, missing, msg }) => ({ level, target, missing, msg }))).toEqual([
      // pino's level 50 is error.
      { level: 50, target: 'prod', missing: problem, msg: 'target not probed: its API key is missing; reading it again every 10s' },
    ]);
    expect(seen).toEqual([]);
  });

  it('probes the target with the key once the file appears, without a restart', async () => {
    mkdirSync(join(dir, 'secret'));
    writeFileSync(keyFile, `${KEY}\n`);
    const upLine = `${m.targetUp.name}{target="prod",vantage="${DEFAULT_VANTAGE}"} 1`;
    await poll('the target up with its key', async () => metricLine(await (await fetch(`${exporter.url}/metrics`)).text(), upLine) === upLine, 30_000);

    expect(new Set(seen)).toEqual(new Set([`Bearer ${KEY}`]));
    const summary = summaryResponseSchema.parse(await (await fetch(`${exporter.url}/api/v1/summary`)).json());
    expect(summary.targets.map((t) => [t.up, t.problem])).toEqual([[true, null]]);
    expect((await fetch(`${exporter.url}/-/ready`)).status).toBe(200);
    const everything = exporter.stdout() + exporter.stderr() + (await (await fetch(`${exporter.url}/metrics`)).text()) + JSON.stringify(summary);
    expect(everything).not.toContain(KEY);
    expect(exporter.child.exitCode).toBeNull();
  }, 60_000);
});
