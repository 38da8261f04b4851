/** A bench run once its arguments are parsed: loaded by bench-command.ts only when a run starts. */
import { stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { BENCH_JSON_VERSION, type BenchJson } from '@kvcanary/contract/schemas';
import { createChatClient } from '../client/chat-client.js';
import { loadCorpus } from '../corpus/load-corpus.js';
import type { SeedDocument } from '../corpus/types.js';
import { runBench } from '../probe/bench-run.js';
import { workloadDigest } from '../probe/workload.js';
import { bootstrapSample, ttftSamples } from '../stats/bootstrap.js';
import { summarize } from '../stats/summarize.js';
import { systemClock } from '../util/clock.js';
import { freshSeed, seededRandom } from '../util/random.js';
import { UsageError } from '../util/usage-error.js';
import { redactUrl, targetName, type BenchSettings } from './bench-command.js';
import { formatSummary } from './bench-report.js';
import { createProgress } from './progress.js';

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
      plan: {
        documents,
        turns: settings.turns,
        seed: settings.seed,
        thinkTime: { minMs: settings.minDelay * 1000, maxMs: settings.maxDelay * 1000 },
        // A nonce per run: a replay of the seed asks the same questions, but of a cold cache.
        ...(settings.coldStart && { coldStart: { nonce: freshSeed() } }),
      },
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
        coldStart: settings.coldStart,
        seedDocuments: settings.seedDocuments ?? null,
      },
      workload: workloadDigest({ documents, turns: settings.turns, maxTokens: settings.maxTokens, coldStart: settings.coldStart }),
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
  return formatSummary(result.summary, { seed: result.seed, replicaHeader, ci95, workload: { digest: result.workload, coldStart: result.options.coldStart } });
}

export async function writeBenchJson(file: string, result: BenchJson): Promise<void> {
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
}

/** Runs, prints the report, writes the JSON; the exit code. */
export async function runBenchCommand(settings: BenchSettings): Promise<number> {
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
