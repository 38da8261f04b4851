/**
 * The clients measured at each level, each in its own process against the ground-truth server, on
 * the same conversations (documents, seed, turns) with no think time, so that `streams` requests are
 * in flight throughout: the workload floor, the real `kvcanary bench` CLI, and the real
 * `kvcanary serve` (one target, keep-alive off as configured by default).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchJsonSchema, describeSchemaError, type Distribution, type SummaryResponse } from '@kvcanary/contract/schemas';
import { WARM_UP_REQUESTS } from '../probe/bench-run.js';
import { distribution } from '../stats/percentile.js';
import { ttftFigures } from './figures.js';
import { benchFile, finished, startMeasured, type Exit } from './measured-process.js';
import { measurePhase, type PhaseResult } from './phase.js';
import type { FloorOutput, FloorSettings, StreamShape } from './protocol.js';
import type { ClientName, ClientRun } from './results.js';
import { CLI, fetchSummary, serveUrl, SHUTDOWN_GRACE, startServe, stopServe } from './serve-run.js';
import type { TruthServer } from './truth-handle.js';

export interface LevelPlan {
  streams: number;
  conversations: number;
  turns: number;
}

export interface RunContext {
  truth: TruthServer;
  stream: StreamShape;
  scratch: string;
  corpusDir: string | null;
  seed: number;
}

/** kvcanary's default max_tokens (the reference's 500); the ground-truth server streams its own length anyway. */
const MAX_TOKENS = 500;
/** `pacing.concurrency` is at most this in kvcanary.yaml (config/schema.ts). */
export const SERVE_MAX_STREAMS = 256;
const SUMMARY_FRESH_TIMEOUT_MS = 30_000;
/** A client gets this long after its last measured stream to print, write and exit. */
const EXIT_TIMEOUT_MS = 120_000;

/**
 * A bound on one phase: sixty times its duration if streams never waited for CPU, and at least ten
 * minutes (1,000 streams take about ten times their ideal duration on 2 busy cores).
 */
function phaseTimeoutMs(ctx: RunContext, plan: LevelPlan): number {
  const streamMs = ctx.stream.firstTokenMs + ctx.stream.chunks * ctx.stream.chunkIntervalMs;
  const rounds = WARM_UP_REQUESTS + Math.ceil((plan.conversations * plan.turns) / plan.streams);
  return Math.max(600_000, 60 * rounds * streamMs);
}

/** `measured`: the client's own TTFTs and its request count (a conversation whose turn fails with no text ends early). */
function clientRun(client: ClientName, keepAlive: boolean, phase: PhaseResult, exit: Exit, measured: { client: Distribution | null; requests: number; failures: number }): ClientRun {
  const { requests } = measured;
  return {
    client,
    keepAlive,
    complete: phase.complete,
    ...ttftFigures({ client: measured.client, truths: phase.truths, requests, failures: measured.failures, cpuMsPerRequest: phase.measuredCpuMs / requests, what: client }),
    startCpuMs: phase.warmedUpCpuMs,
    peakRssMb: exit.usage?.peakRssMb ?? Number.NaN,
    measuredSeconds: phase.measuredSeconds,
  };
}

export async function runFloor(ctx: RunContext, plan: LevelPlan, keepAlive: boolean): Promise<ClientRun> {
  const name: ClientName = keepAlive ? 'floor-keepalive' : 'floor';
  const settings: FloorSettings = {
    port: ctx.truth.port,
    keepAlive,
    conversations: plan.conversations,
    turns: plan.turns,
    parallel: plan.streams,
    maxTokens: MAX_TOKENS,
    seed: ctx.seed,
    corpusDir: ctx.corpusDir,
    warmUpRequests: WARM_UP_REQUESTS,
    out: join(ctx.scratch, `${name}.json`),
  };
  const phase = await measurePhase(
    ctx.truth,
    { warmUp: WARM_UP_REQUESTS, measured: plan.conversations * plan.turns, timeoutMs: phaseTimeoutMs(ctx, plan) },
    () => startMeasured(benchFile('floor-client.js'), [JSON.stringify(settings)], ctx.scratch),
    name,
  );
  const exit = await finished(phase.process, name, EXIT_TIMEOUT_MS);
  const out = JSON.parse(readFileSync(settings.out, 'utf8')) as FloorOutput;
  return clientRun(name, keepAlive, phase, exit, { client: distribution(out.ttfts), requests: out.ttfts.length + out.failures, failures: out.failures });
}

export async function runBenchCli(ctx: RunContext, plan: LevelPlan, keepAlive: boolean): Promise<ClientRun> {
  const name: ClientName = keepAlive ? 'bench-keepalive' : 'bench';
  const json = join(ctx.scratch, `${name}.json`);
  const args = [
    'bench',
    ctx.truth.baseUrl,
    ...['-c', String(plan.conversations), '-t', String(plan.turns), '-p', String(plan.streams), '-m', String(MAX_TOKENS)],
    ...['--min-delay', '0', '--max-delay', '0', '--seed', String(ctx.seed), '--json', json],
    ...(keepAlive ? ['--keep-alive'] : []),
    ...(ctx.corpusDir === null ? [] : ['--seed-documents', ctx.corpusDir]),
  ];
  const phase = await measurePhase(
    ctx.truth,
    { warmUp: WARM_UP_REQUESTS, measured: plan.conversations * plan.turns, timeoutMs: phaseTimeoutMs(ctx, plan) },
    () => startMeasured(CLI, args, ctx.scratch),
    `kvcanary ${name}`,
  );
  const exit = await finished(phase.process, `kvcanary ${name}`, EXIT_TIMEOUT_MS);
  const parsed = benchJsonSchema.safeParse(JSON.parse(readFileSync(json, 'utf8')));
  if (!parsed.success) throw new Error(`kvcanary bench --json: ${describeSchemaError(parsed.error)}`);
  const ttfts = parsed.data.records.flatMap((r) => (r.outcome === 'success' && r.ttftMs !== undefined ? [r.ttftMs] : []));
  const requests = parsed.data.records.length;
  return clientRun(name, keepAlive, phase, exit, { client: distribution(ttfts), requests, failures: requests - ttfts.length });
}

/**
 * The first summary computed after `endedAt`, when the held ground truth has frozen serve's window:
 * serve reuses a response for a few seconds and the window summaries inside it for a second
 * (its summary cache), so an earlier answer may describe an earlier window.
 */
async function summaryAfter(url: string, endedAt: number): Promise<SummaryResponse> {
  const deadline = performance.now() + SUMMARY_FRESH_TIMEOUT_MS;
  for (;;) {
    const response = await fetchSummary(url);
    if (Date.parse(response.generatedAt) > endedAt + 1000) return response;
    if (performance.now() > deadline) throw new Error(`kvcanary serve: no fresh /api/v1/summary within ${SUMMARY_FRESH_TIMEOUT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** What a serve run may add: replicas to scrape, load on its HTTP API while it is measured, a last look. */
export interface ServeOptions {
  replicas?: { name: string; url: string }[];
  /** Runs from the moment serve listens until `measuring` aborts (the measured streams are done). */
  load?(url: string, measuring: AbortSignal): Promise<void>;
  /** Called once the figures are read, before serve is stopped. */
  beforeStop?(url: string): Promise<void>;
}

/**
 * `kvcanary serve` probing the ground-truth server at `plan.streams` conversations in flight. It has
 * no warm-up of its own: its first completed streams (as many as bench's warm-up) are its cold start.
 * Its window holds exactly the measured requests, so the summary's TTFT figures cover them.
 */
export async function runServe(ctx: RunContext, plan: LevelPlan, options: ServeOptions = {}): Promise<ClientRun> {
  const measured = plan.conversations * plan.turns;
  const config = {
    targets: [{ name: 'ground-truth', url: ctx.truth.baseUrl, ...(options.replicas ? { replicas: { static: options.replicas } } : {}) }],
    pacing: { concurrency: plan.streams, turns: plan.turns, maxTokens: MAX_TOKENS, thinkTime: { min: '0s', max: '0s' }, seed: ctx.seed },
    ...(ctx.corpusDir === null ? {} : { corpus: { dir: ctx.corpusDir } }),
    window: { duration: '24h', maxRequests: Math.max(10, measured) },
    shutdownGrace: SHUTDOWN_GRACE,
  };
  const measuring = new AbortController();
  let load: Promise<unknown> = Promise.resolve();
  const { load: loadFn } = options;
  const phase = await measurePhase(
    ctx.truth,
    {
      warmUp: WARM_UP_REQUESTS,
      measured,
      timeoutMs: phaseTimeoutMs(ctx, plan),
      hold: true,
      // Kept as a settled value until awaited below, so a failing load is reported rather than unhandled.
      onStart: (p) => (load = loadFn ? serveUrl(p).then((url) => loadFn(url, measuring.signal)).then(() => null, (err: unknown) => err) : load),
    },
    () => startServe(config, ctx.scratch),
    'kvcanary serve',
  );
  measuring.abort();
  try {
    const loadError = await load;
    if (loadError) throw loadError;
    const url = await serveUrl(phase.process);
    const summary = (await summaryAfter(url, phase.endedAt)).targets[0]?.summary;
    await options.beforeStop?.(url);
    const exit = await stopServe(phase.process);
    if (!summary) throw new Error('kvcanary serve: /api/v1/summary has no target');
    const successes = summary.outcomes.success ?? 0;
    return clientRun('serve', false, phase, exit, { client: summary.ttft, requests: summary.requests, failures: summary.requests - successes });
  } finally {
    await phase.process.stop('SIGKILL', 1000);
    ctx.truth.release();
  }
}
