/**
 * `npm run bench`: how faithful and how cheap is kvcanary on the workload users run? Every client
 * runs in its own process against a ground-truth server (its own process too) on the same multi-turn
 * conversations: the workload floor, `kvcanary bench` and `kvcanary serve`, then `serve` as a sidecar
 * (footprint, /metrics render, interference from its own work) and the CLI's start-up. Results go to
 * bench-results.json and bench-results.md under `.bench/` of this package (git-ignored: the figures
 * belong to the machine and the moment) or `--out DIR`; the Markdown is printed, progress goes to
 * stderr. Exit 0 when every section ran (missed targets are reported, not failures), 1 when one
 * failed, 2 on a usage error.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError, EXIT_USAGE } from '../util/usage-error.js';
import { loadCorpus } from '../corpus/load-corpus.js';
import type { SeedDocument } from '../corpus/types.js';
import { BENCH_HARNESS_USAGE, COMMAND, parseHarnessArgs, type HarnessOptions } from './harness-args.js';
import { plansFor, type ModePlans } from './modes.js';
import { runBenchCli, runFloor, runServe, SERVE_MAX_STREAMS, type RunContext } from './clients.js';
import { interference } from './interference.js';
import { markdown } from './report.js';
import { RESULTS_VERSION, type ClientName, type ClientRun, type LevelResult, type Results } from './results.js';
import { footprint, metricsRender } from './sidecar.js';
import { startup } from './startup.js';
import { profileChildrenInto } from './measured-process.js';
import { judge } from './targets.js';
import { TruthServer } from './truth-handle.js';

const progress = (line: string): void => {
  process.stderr.write(`${COMMAND}: ${line}\n`);
};

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

async function documentsOf(dir: string | null): Promise<SeedDocument[]> {
  try {
    return await loadCorpus(dir === null ? {} : { dir });
  } catch (err) {
    throw new UsageError(`${dir === null ? 'default corpus' : `--seed-documents '${dir}'`}: ${message(err)}`);
  }
}

async function runLevels(ctx: RunContext, plans: ModePlans, failures: string[]): Promise<LevelResult[]> {
  const levels: LevelResult[] = [];
  for (const plan of plans.levels) {
    const t0 = performance.now();
    const level: LevelResult = { ...plan, runs: [], missing: [] };
    const clients: [ClientName, () => Promise<ClientRun>][] = [
      ['floor-keepalive', () => runFloor(ctx, plan, true)],
      ['bench-keepalive', () => runBenchCli(ctx, plan, true)],
      ['floor', () => runFloor(ctx, plan, false)],
      ['bench', () => runBenchCli(ctx, plan, false)],
      ['serve', () => runServe(ctx, plan)],
    ];
    for (const [client, run] of clients) {
      if (client === 'serve' && plan.streams > SERVE_MAX_STREAMS) {
        level.missing.push({ client, reason: `not run: pacing.concurrency is at most ${SERVE_MAX_STREAMS} in kvcanary.yaml` });
        continue;
      }
      try {
        const r = await run();
        level.runs.push(r);
        progress(
          `${plan.streams} streams, ${client}: error p50 ${r.errorMs.p50.toFixed(1)} / p99 ${r.errorMs.p99.toFixed(1)} ms, ` +
            `${r.cpuMsPerRequest.toFixed(2)} ms CPU per request, ${r.measuredSeconds.toFixed(1)} s${r.failures ? `, ${r.failures} failed` : ''}`,
        );
      } catch (err) {
        level.missing.push({ client, reason: `failed: ${message(err)}` });
        failures.push(`${plan.streams} streams, ${client}: ${message(err)}`);
        progress(`${plan.streams} streams, ${client}: FAILED: ${message(err)}`);
      }
    }
    levels.push(level);
    progress(`${plan.streams} streams: done in ${Math.round((performance.now() - t0) / 1000)} s`);
  }
  return levels;
}

/** A section's result, or null with the failure recorded: one failing section does not lose the others. */
async function section<T>(name: string, wanted: boolean, failures: string[], run: () => Promise<T>): Promise<T | null> {
  if (!wanted) return null;
  progress(`${name}...`);
  const t0 = performance.now();
  try {
    const result = await run();
    progress(`${name}: done in ${Math.round((performance.now() - t0) / 1000)} s`);
    return result;
  } catch (err) {
    failures.push(`${name}: ${message(err)}`);
    progress(`${name}: FAILED: ${message(err)}`);
    return null;
  }
}

async function bench(options: HarnessOptions): Promise<number> {
  const started = performance.now();
  const documents = await documentsOf(options.corpusDir);
  const plans = plansFor(options);
  await mkdir(options.out, { recursive: true });
  const scratch = await mkdtemp(join(tmpdir(), 'kvcanary-bench-'));
  if (options.cpuProfDir !== null) {
    await mkdir(options.cpuProfDir, { recursive: true });
    profileChildrenInto(options.cpuProfDir);
  }
  const loadStart = loadavg()[0] as number;
  const truth = await TruthServer.start(plans.stream);
  const ctx: RunContext = { truth, stream: plans.stream, scratch, corpusDir: options.corpusDir, seed: options.seed };
  const failures: string[] = [];
  const docTypes = new Set(documents.map((d) => d.type)).size;
  progress(`${options.mode} mode, ground truth on 127.0.0.1:${truth.port}, ${documents.length} documents, results in ${options.out}`);
  let partial: Omit<Results, 'targets'>;
  try {
    const startupResult = await section('start-up', options.sections.has('startup'), failures, () => startup(plans.startupRuns, scratch));
    const levels = options.sections.has('levels') ? await runLevels(ctx, plans, failures) : [];
    const footprintResult = await section('footprint', options.sections.has('footprint'), failures, () => footprint(ctx, plans.footprint, progress));
    const render = await section('/metrics render', options.sections.has('metrics'), failures, () => metricsRender(ctx, { ...plans.render, docTypes }, progress));
    const interferenceResult = await section('interference', options.sections.has('interference'), failures, () => interference(ctx, plans.interference, progress));
    partial = {
      version: RESULTS_VERSION,
      generatedAt: new Date().toISOString(),
      mode: options.mode,
      node: process.version,
      cores: availableParallelism(),
      loadAverage: { start: loadStart, end: loadavg()[0] as number },
      seconds: (performance.now() - started) / 1000,
      stream: plans.stream,
      corpus: { dir: options.corpusDir, documents: documents.length, chars: documents.reduce((n, d) => n + d.content.length, 0) },
      seed: options.seed,
      startup: startupResult,
      levels,
      footprint: footprintResult,
      metricsRender: render,
      interference: interferenceResult,
      errors: failures,
    };
  } finally {
    truth.stop();
    await rm(scratch, { recursive: true, force: true });
  }
  const results: Results = { ...partial, targets: judge(partial) };
  const report = markdown(results);
  await writeFile(join(options.out, 'bench-results.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(join(options.out, 'bench-results.md'), report);
  console.log(report);
  progress(`results in ${join(options.out, 'bench-results.json')} and bench-results.md, ${Math.round(results.seconds)} s`);
  if (options.cpuProfDir !== null) progress(`CPU profiles in ${options.cpuProfDir}, a folder per child process in the order they ran`);
  return failures.length === 0 ? 0 : 1;
}

const packageRoot = resolve(fileURLToPath(import.meta.url), '..', '..', '..');

async function main(argv: readonly string[]): Promise<number> {
  // The soak is a bench of its own (soak.ts) that shares this entry point.
  if (argv[0] === '--soak') return (await import('./soak.js')).runSoak(argv.slice(1));
  const options = parseHarnessArgs(argv, join(packageRoot, '.bench'));
  if (options === 'help') {
    console.log(BENCH_HARNESS_USAGE);
    return 0;
  }
  return bench(options);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const text = message(err);
    console.error(text.startsWith(`${COMMAND}: `) ? text : `${COMMAND}: ${text}`);
    process.exitCode = err instanceof UsageError ? EXIT_USAGE : 1;
  },
);
