import { stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { BENCH_JSON_VERSION, type BenchJson } from '@kvcanary/contract/schemas';
import { createChatClient } from '../client/chat-client.js';
import { DEFAULT_CORPUS, loadCorpus } from '../corpus/load-corpus.js';
import type { SeedDocument } from '../corpus/types.js';
import { runBench } from '../probe/bench-run.js';
import { bootstrapSample, ttftSamples } from '../stats/bootstrap.js';
import { summarize } from '../stats/summarize.js';
import { systemClock } from '../util/clock.js';
import { freshSeed, seededRandom } from '../util/random.js';
import { intFlag, parseStrict, secondsFlag } from '../util/args.js';
import { formatSummary } from './bench-report.js';
import { createProgress } from './progress.js';
import { UsageError } from '../util/usage-error.js';

const FLAGS = {
  'seed-documents': { type: 'string', short: 'd' },
  conversations: { type: 'string', short: 'c' },
  turns: { type: 'string', short: 't' },
  'max-tokens': { type: 'string', short: 'm' },
  parallel: { type: 'string', short: 'p' },
  'min-delay': { type: 'string' },
  'max-delay': { type: 'string' },
  timeout: { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  json: { type: 'string' },
  seed: { type: 'string' },
  'keep-alive': { type: 'boolean' },
  'replica-header': { type: 'string' },
  'api-key-env': { type: 'string' },
  'no-warmup': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const BENCH_USAGE = `usage: kvcanary bench URL [options]

One benchmark run against an OpenAI-compatible URL (ending in /v1), printing the reference summary.

  -d, --seed-documents DIR  seed documents (default: the frozen ${DEFAULT_CORPUS} corpus)
  -c, --conversations N     conversations (11)
  -t, --turns N             turns per conversation (10)
  -m, --max-tokens N        max_tokens per request (500)
  -p, --parallel N          requests in flight at most (4)
      --min-delay S         think time before each turn, lower bound in seconds (0.5)
      --max-delay S         think time, upper bound in seconds (2.0)
      --timeout S           per-request timeout in seconds (120)
  -v, --verbose             one line per request and periodic progress on stderr
      --json FILE           also write the figures and every request's record as JSON
      --seed N              seed of the conversation script (printed when not given)
      --keep-alive          reuse connections (off: each request may reach another pod)
      --replica-header NAME response header naming the replica (x-inference-pod)
      --api-key-env VAR     send "Authorization: Bearer $VAR"
      --no-warmup           skip the 20 warm-up requests
  -h, --help                this help`;

/** Everything a bench run needs, parsed and checked. */
export interface BenchSettings {
  url: string;
  seedDocuments?: string;
  conversations: number;
  turns: number;
  maxTokens: number;
  parallel: number;
  minDelay: number;
  maxDelay: number;
  timeout: number;
  verbose: boolean;
  json?: string;
  seed: number;
  seedGiven: boolean;
  keepAlive: boolean;
  replicaHeader: string;
  apiKeyEnv?: string;
  warmUp: boolean;
}

export function parseBenchArgs(argv: readonly string[]): BenchSettings | 'help' {
  const { values, positionals } = parseStrict('bench', argv, FLAGS);
  if (values.help) return 'help';
  const minDelay = secondsFlag('--min-delay', values['min-delay'], 0.5, { min: 0 });
  const maxDelay = secondsFlag('--max-delay', values['max-delay'], 2.0, { min: 0 });
  if (maxDelay < minDelay) throw new UsageError(`--max-delay (${maxDelay}) must not be less than --min-delay (${minDelay})`);
  const replicaHeader = values['replica-header'] ?? 'x-inference-pod';
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(replicaHeader)) throw new UsageError(`--replica-header must be an HTTP header name, got '${replicaHeader}'`);
  const apiKeyEnv = values['api-key-env'];
  if (apiKeyEnv !== undefined && !process.env[apiKeyEnv]) throw new UsageError(`--api-key-env: environment variable '${apiKeyEnv}' is not set`);
  const numbers = {
    conversations: intFlag('--conversations', values.conversations, 11, { min: 1, max: 100_000 }),
    turns: intFlag('--turns', values.turns, 10, { min: 1, max: 1000 }),
    maxTokens: intFlag('--max-tokens', values['max-tokens'], 500, { min: 1 }),
    parallel: intFlag('--parallel', values.parallel, 4, { min: 1, max: 10_000 }),
    timeout: secondsFlag('--timeout', values.timeout, 120, { min: 0, exclusiveMin: true }),
    seed: intFlag('--seed', values.seed, 0, { min: 0, max: 2 ** 32 - 1 }),
  };
  // Flags first: a flag that swallowed the URL as its value is named, not reported as a missing URL.
  if (positionals.length === 0) throw new UsageError('bench: missing URL (e.g. http://localhost:8000/v1)');
  if (positionals.length > 1) throw new UsageError(`bench: unexpected argument '${positionals[1]}' (one URL only)`);
  const url = positionals[0] as string;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`bench: URL '${redactUrl(url)}' is not a valid URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`bench: URL must be http or https, got '${parsed.protocol}'`);
  return {
    url,
    ...numbers,
    seedDocuments: values['seed-documents'],
    minDelay,
    maxDelay,
    verbose: values.verbose ?? false,
    json: values.json,
    seedGiven: values.seed !== undefined,
    keepAlive: values['keep-alive'] ?? false,
    replicaHeader,
    apiKeyEnv,
    warmUp: !(values['no-warmup'] ?? false),
  };
}

/** The URL without user:password, for reports and files. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//');
}

/** A short name for a target from its URL: host and port. */
export function targetName(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'target';
  }
}

export interface BenchIo {
  out(text: string): void;
  err(text: string): void;
  isTty: boolean;
  /** Progress label when several runs share the terminal. */
  label?: string;
  /** Show progress at all (the demo turns it off for its concurrent runs unless verbose). */
  progress?: boolean;
  signal?: AbortSignal;
}

async function loadDocuments(dir: string | undefined): Promise<SeedDocument[]> {
  try {
    const documents = await loadCorpus(dir === undefined ? {} : { dir });
    if (documents.length === 0) throw new Error('no documents found');
    return documents;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new UsageError(dir === undefined ? `default corpus: ${message}` : `--seed-documents '${dir}': ${message}`);
  }
}

async function checkJsonTarget(file: string): Promise<void> {
  const dir = dirname(resolve(file));
  const info = await stat(dir).catch(() => null);
  if (!info?.isDirectory()) throw new UsageError(`--json '${file}': directory '${dir}' does not exist`);
}

/** Runs one bench and returns its JSON document; prints nothing but progress. Shared with `demo`. */
export async function executeBench(settings: BenchSettings, io: BenchIo, name = targetName(settings.url)): Promise<BenchJson> {
  if (settings.json !== undefined) await checkJsonTarget(settings.json);
  const documents = await loadDocuments(settings.seedDocuments);
  const headers: Record<string, string> = {};
  if (settings.apiKeyEnv) headers.authorization = `Bearer ${process.env[settings.apiKeyEnv] ?? ''}`;
  let client;
  try {
    client = createChatClient({ baseUrl: settings.url, headers, keepAlive: settings.keepAlive, replicaHeader: settings.replicaHeader });
  } catch (err) {
    throw new UsageError(`bench: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    let model: string;
    try {
      const models = await client.listModels();
      if (models.length === 0) throw new Error(`${redactUrl(settings.url)}/models lists no models`);
      model = models[0] as string;
    } catch (err) {
      throw new UsageError(`bench: ${err instanceof Error ? err.message : String(err)}`);
    }
    const progress = createProgress({
      total: settings.conversations * settings.turns,
      isTty: io.isTty && io.progress !== false,
      verbose: settings.verbose,
      write: io.err,
      now: () => systemClock.now(),
      label: io.label,
    });
    const run = await runBench({
      target: { name, client, model, maxTokens: settings.maxTokens, timeoutMs: settings.timeout * 1000 },
      plan: { documents, turns: settings.turns, seed: settings.seed, thinkTime: { minMs: settings.minDelay * 1000, maxMs: settings.maxDelay * 1000 } },
      conversations: settings.conversations,
      parallel: settings.parallel,
      warmUp: settings.warmUp,
      clock: systemClock,
      signal: io.signal ?? new AbortController().signal,
      onWarmUp: (done, total) => progress.warmUp(done, total),
      onRecord: (r) => {
        progress.request(r.outcome === 'success');
        if (settings.verbose && !io.isTty) {
          const ttft = r.ttftMs !== undefined ? `TTFT ${r.ttftMs.toFixed(2)} ms` : r.outcome;
          io.err(`${io.label ? `${io.label} ` : ''}conversation ${r.conversation} turn ${r.turn}: ${ttft}, total ${r.totalMs.toFixed(0)} ms${r.replica ? ` on ${r.replica}` : ''}${r.error ? ` (${r.error})` : ''}\n`);
        }
      },
    });
    progress.finish();
    const summary = summarize(run.records, {
      target: name,
      model,
      elapsedSeconds: run.elapsedSeconds,
      conversationsPlanned: settings.conversations,
      turnsPerConversation: settings.turns,
    });
    return {
      version: BENCH_JSON_VERSION,
      seed: settings.seed,
      url: redactUrl(settings.url),
      model,
      options: {
        conversations: settings.conversations,
        turns: settings.turns,
        maxTokens: settings.maxTokens,
        parallel: settings.parallel,
        minDelay: settings.minDelay,
        maxDelay: settings.maxDelay,
        timeout: settings.timeout,
        keepAlive: settings.keepAlive,
        replicaHeader: settings.replicaHeader,
        warmUp: settings.warmUp,
        seedDocuments: settings.seedDocuments ?? null,
      },
      documents: documents.map((d) => ({ name: d.name, type: d.type, chars: d.content.length })),
      summary,
      records: run.records,
    };
  } finally {
    await client.close();
  }
}

/** The printed report of one run: the reference summary, extras and intervals. */
export function benchReport(result: BenchJson, replicaHeader: string): string {
  const ci95 = bootstrapSample(ttftSamples(result.records), { random: seededRandom(result.seed) });
  return formatSummary(result.summary, { seed: result.seed, replicaHeader, ci95 });
}

export async function writeBenchJson(file: string, result: BenchJson): Promise<void> {
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
}

export async function benchCommand(argv: string[]): Promise<number> {
  const parsed = parseBenchArgs(argv);
  if (parsed === 'help') {
    console.log(BENCH_USAGE);
    return 0;
  }
  const settings = parsed.seedGiven ? parsed : { ...parsed, seed: freshSeed() };
  if (!parsed.seedGiven) console.error(`kvcanary bench: seed ${settings.seed} (replay with --seed ${settings.seed})`);
  // Ctrl-C ends the run early and still prints what was measured.
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    const result = await executeBench(settings, {
      out: (t) => process.stdout.write(t),
      err: (t) => process.stderr.write(t),
      isTty: process.stderr.isTTY === true,
      signal: controller.signal,
    });
    console.log(benchReport(result, settings.replicaHeader));
    if (settings.json !== undefined) await writeBenchJson(settings.json, result);
    // A run with failures still completed; only a run where nothing succeeded is a failure.
    return (result.summary.outcomes.success ?? 0) > 0 ? 0 : 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
