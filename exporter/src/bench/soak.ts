/**
 * `npm run bench -- --soak`: the exporter, as `kvcanary serve` runs it, against two sped-up simulated
 * clusters that misbehave on purpose (HTTP errors, dropped streams, stalls past the timeout, streams
 * that never end, garbled replica pages), for at least 50,000 conversations. It reports memory (heap
 * after a full collection, RSS), exposed series and event-loop delay at checkpoints, and checks that
 * every request the clusters' routers routed was counted once by the exporter. The bars are in
 * soak-verdict.ts; results go to stdout and to `.bench/soak-results.json` (git-ignored). Exit 1 when
 * a bar is missed, 2 on a usage error.
 *
 *   node dist/bench/main.js --soak [--conversations N] [--out FILE]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { MODEL_LOOKUP_ERROR, OUTCOMES, exporterMetrics } from '@kvcanary/contract';
import { parseConfig } from '../config/load.js';
import { loadCorpus } from '../corpus/load-corpus.js';
import { parseExposition } from '../replicas/exposition-parser.js';
import { startExporter, type Exporter } from '../runtime/exporter.js';
import type { Faults } from '../sim/faults.js';
import { intFlag, parseStrict } from '../util/args.js';
import type { Logger } from '../util/logger.js';
import { UsageError } from '../util/usage-error.js';
import { COMMAND } from './harness-args.js';
import { collectGarbage } from './collect-garbage.js';
import { startSoakCluster, type SoakCluster } from './soak-cluster.js';
import { judgeSoak, type Checkpoint } from './soak-verdict.js';

const DEFAULT_CONVERSATIONS = 50_000;
const CHECKPOINTS = 20;
/** The first quarter fills the sliding windows (maxRequests per target) and warms the JIT. */
const WARM_UP_CHECKPOINTS = 5;
const MODEL = 'soak-model';
/** A Prometheus scraping every 2 s: the renders are part of the load, and give the counts. */
const SCRAPE_MS = 2000;
const REQUEST_TIMEOUT = '2s';
/** Faults on every replica all the time; stalls come and go (STALL below). */
const FAULTS: Partial<Faults> = { errorRate: 0.02, dropRate: 0.02, endlessRate: 0.005, garbledMetricsRate: 0.1 };
/** Every `everyMs`, one replica stalls past the request timeout for `forMs`, in turn. */
const STALL = { everyMs: 15_000, forMs: 3000, stallMs: 2500 };
/** Simulated time 50x faster, short answers: many conversations per second on two cores. */
const SIM_ARGS = ['--time-scale', '0.02', '--answer-min-tokens', '8', '--answer-max-tokens', '32', '--seed', '7'];

function parseArgs(argv: readonly string[]): { conversations: number; out: string } {
  const { values, positionals } = parseStrict(`${COMMAND} --soak`, argv, { conversations: { type: 'string' }, out: { type: 'string' } });
  if (positionals.length > 0) throw new UsageError(`${COMMAND} --soak: unexpected argument '${positionals[0]}'`);
  const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  return {
    conversations: intFlag('--conversations', values.conversations, DEFAULT_CONVERSATIONS, { min: CHECKPOINTS }),
    out: values.out !== undefined ? resolve(values.out) : resolve(packageRoot, '.bench', 'soak-results.json'),
  };
}

/** Log lines by level: the soak keeps no text, only how many lines a day of faults would write. */
function countingLogger(): Logger & { counts: Record<string, number> } {
  const counts: Record<string, number> = { debug: 0, info: 0, warn: 0, error: 0 };
  const count = (level: string) => (): void => void (counts[level] = (counts[level] ?? 0) + 1);
  return { counts, debug: count('debug'), info: count('info'), warn: count('warn'), error: count('error') };
}

/** One scrape of the exporter: its series and the samples the soak reads. */
async function scrape(exporter: Exporter): Promise<{ series: number; conversations: number; requests: Map<string, number> }> {
  const { body } = await exporter.view.renderMetrics(undefined);
  const samples = parseExposition(body).samples;
  const requests = new Map<string, number>();
  let conversations = 0;
  for (const s of samples) {
    if (s.name === exporterMetrics.conversations.name) conversations += s.value;
    if (s.name === exporterMetrics.requests.name) requests.set(s.labels.outcome ?? '', (requests.get(s.labels.outcome ?? '') ?? 0) + s.value);
  }
  return { series: samples.length, conversations, requests };
}

function stallInTurn(clusters: readonly SoakCluster[]): () => void {
  const replicas = clusters.flatMap((c) => c.replicas.map((r) => ({ cluster: c, replica: r.name })));
  let next = 0;
  const timers = new Set<NodeJS.Timeout>();
  const every = setInterval(() => {
    const victim = replicas[next++ % replicas.length];
    if (!victim) return;
    void victim.cluster.setFaults({ ...FAULTS, stallMs: STALL.stallMs }, victim.replica);
    const heal = setTimeout(() => {
      timers.delete(heal);
      void victim.cluster.setFaults(FAULTS, victim.replica);
    }, STALL.forMs);
    timers.add(heal);
  }, STALL.everyMs);
  return () => {
    clearInterval(every);
    for (const t of timers) clearTimeout(t);
  };
}

const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
const ms = (ns: number): string => (ns / 1e6).toFixed(1);

export async function runSoak(argv: readonly string[]): Promise<number> {
  const { conversations: target, out } = parseArgs(argv);
  const clusters = [
    await startSoakCluster({ name: 'vllm', router: 'round-robin', replicas: 2, model: MODEL, simArgs: SIM_ARGS }),
    await startSoakCluster({ name: 'llm-d', router: 'prefix-aware', replicas: 2, model: MODEL, simArgs: SIM_ARGS }),
  ];
  const stopStalls = stallInTurn(clusters);
  const logger = countingLogger();
  let exporter: Exporter | null = null;
  try {
    await Promise.all(clusters.map((c) => c.setFaults(FAULTS)));
    const config = parseConfig({
      targets: clusters.map((c, i) => ({
        name: c.name,
        url: c.routerUrl,
        model: MODEL,
        role: i === 0 ? 'baseline' : 'candidate',
        replicas: { static: c.replicas.map((r) => ({ name: r.name, url: r.metricsUrl })) },
      })),
      pacing: { concurrency: 8, turns: 2, maxTokens: 24, thinkTime: { min: 0, max: '5ms' }, timeout: REQUEST_TIMEOUT, seed: 1 },
      window: { duration: '1m', maxRequests: 5000 },
      replicaScrape: { interval: '1s', timeout: '500ms' },
    });
    const documents = await loadCorpus({ maxDocumentChars: 2000 });
    const started = performance.now();
    exporter = startExporter({ config, secrets: { targets: new Map(), webAuth: null }, documents, seed: 1, version: 'soak', logger });
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    console.log(
      `kvcanary bench --soak: ${target.toLocaleString('en')} conversations, 2 simulated clusters of 2 replicas, faults ${JSON.stringify(FAULTS)}, ` +
        `a replica stalled ${STALL.stallMs} ms (timeout ${REQUEST_TIMEOUT}) for ${STALL.forMs / 1000} s every ${STALL.everyMs / 1000} s, ${availableParallelism()} cores`,
    );
    console.log('\ncheckpoint  conversations  seconds  heap MB  RSS MB  series');
    const checkpoints: Checkpoint[] = [];
    let delayAfterWarmUp = { p50: 0, p99: 0, max: 0 };
    for (;;) {
      await new Promise((r) => setTimeout(r, SCRAPE_MS));
      const { series, conversations } = await scrape(exporter);
      if (conversations < ((checkpoints.length + 1) * target) / CHECKPOINTS) continue;
      collectGarbage();
      const memory = process.memoryUsage();
      const point = { conversations, seconds: (performance.now() - started) / 1000, heapBytes: memory.heapUsed, rssBytes: memory.rss, series };
      checkpoints.push(point);
      console.log(
        `${String(checkpoints.length).padStart(10)}  ${String(conversations).padStart(13)}  ${point.seconds.toFixed(0).padStart(7)}  ${mb(point.heapBytes).padStart(7)}  ${mb(point.rssBytes).padStart(6)}  ${String(series).padStart(6)}`,
      );
      if (checkpoints.length === WARM_UP_CHECKPOINTS) delay.reset();
      if (checkpoints.length === CHECKPOINTS) {
        delayAfterWarmUp = { p50: delay.percentile(50), p99: delay.percentile(99), max: delay.max };
        break;
      }
    }
    delay.disable();
    stopStalls();
    // Long enough for every request in flight to end on its own (timeouts included): a cancelled
    // request may never have reached a router, which would blur the exactly-once check.
    await exporter.stop(15_000);
    const final = await scrape(exporter);
    exporter = null;
    const routed = (await Promise.all(clusters.map((c) => c.routed()))).reduce((a, b) => a + b, 0);
    const byOutcome = Object.fromEntries(OUTCOMES.filter((o) => o !== MODEL_LOOKUP_ERROR).map((o) => [o, final.requests.get(o) ?? 0]));
    const counted = Object.values(byOutcome).reduce((a, b) => a + b, 0);
    const verdict = judgeSoak(checkpoints, WARM_UP_CHECKPOINTS, { routed, counted });
    const seconds = (performance.now() - started) / 1000;

    console.log(`\nafter the warm-up (checkpoint ${WARM_UP_CHECKPOINTS}): heap drift ${(verdict.heapDrift * 100).toFixed(1)} %, RSS drift ${(verdict.rssDrift * 100).toFixed(1)} %, series at most ${verdict.seriesAfterMax} (warm-up ${verdict.seriesWarmUpMax})`);
    console.log(`event-loop delay after the warm-up: p50 ${ms(delayAfterWarmUp.p50)} ms, p99 ${ms(delayAfterWarmUp.p99)} ms, max ${ms(delayAfterWarmUp.max)} ms`);
    console.log(`requests: routed ${routed}, counted ${counted}; by outcome ${JSON.stringify(byOutcome)}`);
    console.log(`log lines: ${JSON.stringify(logger.counts)}`);
    const report = {
      generatedAt: new Date().toISOString(),
      node: process.version,
      cores: availableParallelism(),
      seconds,
      conversations: final.conversations,
      faults: FAULTS,
      stall: STALL,
      checkpoints,
      warmUpCheckpoints: WARM_UP_CHECKPOINTS,
      eventLoopDelayMs: { p50: delayAfterWarmUp.p50 / 1e6, p99: delayAfterWarmUp.p99 / 1e6, max: delayAfterWarmUp.max / 1e6 },
      requests: { routed, counted, byOutcome },
      logLines: logger.counts,
      verdict,
    };
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, JSON.stringify(report, null, 2) + '\n');
    for (const f of verdict.failures) console.log(`  FAIL: ${f}`);
    console.log(`\n${verdict.passed ? 'PASS' : 'FAIL'} in ${seconds.toFixed(0)} s; results in ${out}`);
    return verdict.passed ? 0 : 1;
  } finally {
    stopStalls();
    await exporter?.stop(0);
    await Promise.all(clusters.map((c) => c.stop()));
  }
}
