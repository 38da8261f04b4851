import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODEL_LOOKUP_ERROR, SUCCESS, UNKNOWN_MODEL, exporterMetrics, type Outcome } from '@kvcanary/contract';
import { startServe, type RunningCli } from './support/cli.js';
import { startFaultTarget, type ChatFault, type FaultTarget } from './support/fault-target.js';

/**
 * The fault matrix, against the built `kvcanary serve`: for each way a target, a replica page or a
 * model lookup breaks, the failure is counted under its outcome, the connection is freed, /metrics
 * keeps answering, the canary recovers when the fault heals, and the log says so at warn (JSON, no
 * secret). Faults are switched at run time on loopback servers; one exporter lives through them all.
 */
const SECRET = 'sk-fault-matrix-secret-4711';
/** Generous bounds on waiting for the exporter; a row fails, rather than hangs, past them. */
const WAIT_MS = 20_000;

/** Ordered so that consecutive rows differ where a late request of one row could pass for the next. */
const CHAT_ROWS: [ChatFault, Outcome][] = [
  ['http_500', 'http_error'],
  ['stall_before_headers', 'timeout'],
  ['not_http', 'stream_error'],
  ['reset_before_answer', 'connect_error'],
  ['empty_answer', 'empty_response'],
  ['http_401', 'http_error'],
  ['stall_mid_stream', 'timeout'],
  ['drop_mid_stream', 'stream_error'],
  ['malformed_event', 'stream_error'],
  ['error_event', 'stream_error'],
  ['not_event_stream', 'stream_error'],
  ['cut_before_done', 'stream_error'],
  ['endless_64k_tokens', 'stream_error'],
  ['endless_1_char_tokens', 'stream_error'],
  ['endless_line', 'stream_error'],
];

interface LogLine {
  level: number;
  msg: string;
  target?: string;
  outcome?: string;
  failures?: Record<string, number>;
  [field: string]: unknown;
}
const WARN = 40;

async function eventually<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`not within ${WAIT_MS} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('fault matrix: kvcanary serve against broken targets, replicas and model lookups', () => {
  let dir: string;
  let faulty: FaultTarget;
  let discovered: FaultTarget;
  let refusedPort: number;
  let revived: FaultTarget | null = null;
  let exporter: RunningCli;

  const metrics = async (): Promise<string> => {
    const res = await fetch(`${exporter.url}/metrics`);
    if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
    return res.text();
  };
  /** A sample's value, 0 when the series is absent. */
  const sample = async (series: string): Promise<number> => {
    const line = (await metrics()).split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? 0 : Number(line.split(' ')[1]);
  };
  const requests = (target: string, outcome: Outcome, model = 'm'): Promise<number> =>
    sample(`${exporterMetrics.requests.name}{target="${target}",model="${model}",outcome="${outcome}"}`);
  const logLines = (from = 0): LogLine[] =>
    exporter
      .stderr()
      .slice(from)
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);
  /** A warn line naming the failure: at once, or in the periodic summary's counts. */
  const warned = (from: number, target: string, outcome: Outcome): boolean =>
    logLines(from).some((l) => l.level === WARN && l.target === target && (l.outcome === outcome || (l.failures?.[outcome] ?? 0) > 0));

  beforeAll(async () => {
    faulty = await startFaultTarget();
    discovered = await startFaultTarget();
    discovered.models = 'http_404';
    refusedPort = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'kvcanary-faults-'));
    const config = join(dir, 'kvcanary.yaml');
    writeFileSync(
      config,
      `targets:
  - name: faulty
    url: ${faulty.url}/v1
    model: m
    apiKeyEnv: KVCANARY_MATRIX_KEY
    replicas: { static: [{ name: pod-0, url: ${faulty.url}/metrics }] }
  - name: refused
    url: http://127.0.0.1:${refusedPort}/v1
    model: m
  - name: discovered
    url: ${discovered.url}/v1
pacing: { concurrency: 2, turns: 2, maxTokens: 16, thinkTime: { min: 10ms, max: 30ms }, timeout: 1s }
replicaScrape: { interval: 300ms, timeout: 250ms }
logging: { failureSummaryInterval: 1s }
shutdownGrace: 2s
`,
    );
    exporter = await startServe([`--config=${config}`, '--web.listen-address=127.0.0.1:0'], { env: { KVCANARY_MATRIX_KEY: SECRET } });
    await eventually('a first success against the faulty target', async () => (await requests('faulty', SUCCESS)) > 0);
  });

  afterAll(async () => {
    const code = await exporter?.stop('SIGTERM');
    await Promise.all([faulty?.close(), discovered?.close(), revived?.close()]);
    rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(0);
  });

  it.each(CHAT_ROWS)('%s: counted as %s, connection freed, /metrics answering, recovered, logged', async (fault, outcome) => {
    const before = await requests('faulty', outcome);
    const logFrom = exporter.stderr().length;
    faulty.chat = fault;
    const counted = await eventually(`${outcome} counted`, async () => (await requests('faulty', outcome)) > before);
    const answering = (await metrics()).includes(exporterMetrics.buildInfo.name);
    const successes = await requests('faulty', SUCCESS);
    faulty.chat = 'healthy';
    const recovered = await eventually('a success after the fault', async () => (await requests('faulty', SUCCESS)) > successes);
    const up = await eventually('target_up 1', async () => (await sample(`${exporterMetrics.targetUp.name}{target="faulty"}`)) === 1);
    const freed = await eventually('every connection of the fault closed', () => {
      const { total, open } = faulty.socketsOf(fault);
      return total > 0 && open === 0;
    });
    const logged = await eventually('a warn line naming it', () => warned(logFrom, 'faulty', outcome));
    expect({ fault, outcome, counted, freed, answering, recovered: recovered && up, logged }).toEqual({
      fault,
      outcome,
      counted: true,
      freed: true,
      answering: true,
      recovered: true,
      logged: true,
    });
  });

  it('a refused port: connect_error counted and logged; a server coming up there recovers the target', async () => {
    await eventually('connect_error counted', async () => (await requests('refused', 'connect_error')) > 0);
    expect(warned(0, 'refused', 'connect_error')).toBe(true);
    revived = await startFaultTarget(refusedPort);
    await eventually('a success once something listens', async () => (await requests('refused', SUCCESS)) > 0);
  });

  it('replica pages: garbled is down, out-of-range figures are dropped and warned about, a good page recovers', async () => {
    const up = `${exporterMetrics.replicaUp.name}{target="faulty",replica="pod-0"}`;
    const kv = `${exporterMetrics.replicaKvCacheUsage.name}{target="faulty",replica="pod-0"}`;
    await eventually('replica up', async () => (await sample(up)) === 1);
    const logFrom = exporter.stderr().length;
    faulty.page = 'garbled';
    await eventually('replica down on a garbled page', async () => (await sample(up)) === 0 && !(await metrics()).includes(`${kv} `));
    await eventually('the failed scrape logged', () => logLines(logFrom).some((l) => l.level === WARN && l.msg === 'replica scrape failed'));
    faulty.page = 'kv_out_of_range';
    await eventually('replica up again', async () => (await sample(up)) === 1);
    // KV usage 1.7 is never exported, not even clamped to 1.
    expect((await metrics()).includes(`${kv} `)).toBe(false);
    await eventually('the figure logged', () => logLines(logFrom).some((l) => l.level === WARN && l.figure === 'kvCacheUsage' && l.value === 1.7));
    faulty.page = 'ok';
    await eventually('the KV figure back', async () => (await sample(kv)) === 0.25);
  });

  it('model lookups: each failure counted from the start, each new error logged, not ready, then discovered', async () => {
    const failures = (): Promise<number> => requests('discovered', MODEL_LOOKUP_ERROR, UNKNOWN_MODEL);
    await eventually('a failed lookup counted', async () => (await failures()) > 0);
    const ready = await fetch(`${exporter.url}/-/ready`);
    expect([ready.status, await ready.text()]).toEqual([503, 'Not ready: discovered: model lookup failing\n']);
    discovered.models = 'http_401';
    await eventually('the 401 logged', () => logLines().some((l) => l.target === 'discovered' && String(l.err).includes('HTTP 401')));
    expect(logLines().some((l) => l.target === 'discovered' && String(l.err).includes('HTTP 404'))).toBe(true);
    discovered.models = 'ok';
    await eventually('a success once discovered', async () => (await requests('discovered', SUCCESS)) > 0);
    expect((await metrics()).includes(`target="discovered",model="${UNKNOWN_MODEL}"`)).toBe(false);
    await eventually('ready', async () => (await fetch(`${exporter.url}/-/ready`)).status === 200);
  });

  it('never shows the API key, in logs, metrics or the summary, though the server echoed it', async () => {
    const summary = await (await fetch(`${exporter.url}/api/v1/summary`)).text();
    expect(logLines().some((l) => String(l.err).includes('[redacted]'))).toBe(true);
    for (const [where, text] of [
      ['stderr', exporter.stderr()],
      ['stdout', exporter.stdout()],
      ['metrics', await metrics()],
      ['summary', summary],
    ]) {
      expect({ where, leaks: text?.includes(SECRET) }).toEqual({ where, leaks: false });
    }
  });
});
