import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startCluster, type Cluster } from '../sim/cluster.js';
import { freshSeed } from '../util/random.js';
import { intFlag, parseStrict, secondsFlag } from '../util/args.js';
import { benchReport, executeBench, writeBenchJson, type BenchSettings } from './bench-command.js';
import { compareRuns } from './compare-command.js';
import { UsageError } from '../util/usage-error.js';

const FLAGS = {
  conversations: { type: 'string', short: 'c' },
  turns: { type: 'string', short: 't' },
  'max-tokens': { type: 'string', short: 'm' },
  'min-delay': { type: 'string' },
  'max-delay': { type: 'string' },
  seed: { type: 'string' },
  'json-dir': { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const DEMO_USAGE = `usage: kvcanary demo [options]

Starts two simulated 4-replica clusters, one behind round-robin routing (what a Kubernetes Service
does, as plain vLLM) and one behind prefix-aware routing (as llm-d), runs the same benchmark script
against both at once, and prints both summaries and the comparison table.

  -c, --conversations N  conversations per cluster (11)
  -t, --turns N          turns per conversation (10)
  -m, --max-tokens N     max_tokens per request (150: shorter answers keep the demo near a minute)
      --min-delay S      think time lower bound in seconds (0.2)
      --max-delay S      think time upper bound in seconds (0.8)
      --seed N           seed of the shared script (printed when not given)
      --json-dir DIR     write vllm.json and llm-d.json there (for kvcanary compare)
  -v, --verbose          progress lines on stderr
  -h, --help             this help`;

/** The two sides of the reference document's story, as simulated clusters. */
const SIDES = [
  { name: 'vllm', router: 'round-robin' },
  { name: 'llm-d', router: 'prefix-aware' },
] as const;

export async function demoCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseStrict('demo', argv, FLAGS);
  if (values.help) {
    console.log(DEMO_USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`demo: unexpected argument '${positionals[0]}'`);
  const minDelay = secondsFlag('--min-delay', values['min-delay'], 0.2, { min: 0 });
  const maxDelay = secondsFlag('--max-delay', values['max-delay'], 0.8, { min: 0 });
  if (maxDelay < minDelay) throw new UsageError(`--max-delay (${maxDelay}) must not be less than --min-delay (${minDelay})`);
  const seed = values.seed === undefined ? freshSeed() : intFlag('--seed', values.seed, 0, { min: 0, max: 2 ** 32 - 1 });
  const base: Omit<BenchSettings, 'url'> = {
    conversations: intFlag('--conversations', values.conversations, 11, { min: 1, max: 10_000 }),
    turns: intFlag('--turns', values.turns, 10, { min: 1, max: 100 }),
    maxTokens: intFlag('--max-tokens', values['max-tokens'], 150, { min: 1 }),
    parallel: 4,
    minDelay,
    maxDelay,
    timeout: 120,
    verbose: values.verbose ?? false,
    seed,
    seedGiven: true,
    keepAlive: false,
    replicaHeader: 'x-inference-pod',
    warmUp: true,
  };
  const jsonDir = values['json-dir'];
  if (jsonDir !== undefined) await mkdir(jsonDir, { recursive: true });

  console.error(`kvcanary demo: seed ${seed}; ${base.conversations} conversations x ${base.turns} turns against each of two simulated clusters...`);
  const clusters: Cluster[] = [];
  try {
    for (const side of SIDES) clusters.push(await startCluster({ replicas: 4, router: side.router, name: side.name, seed }));
    // The two clusters share nothing, so both runs go at once and take the time of one.
    const results = await Promise.all(
      SIDES.map((side, i) =>
        executeBench(
          { ...base, url: (clusters[i] as Cluster).routerUrl },
          { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), isTty: false, label: `[${side.name}]`, progress: false },
          side.name,
        ),
      ),
    );
    for (const [i, side] of SIDES.entries()) {
      const result = results[i];
      if (!result) continue;
      console.log(`\n${side.name} (${side.router} routing, 4 replicas)`);
      console.log(benchReport(result, base.replicaHeader));
      if (jsonDir !== undefined) await writeBenchJson(join(jsonDir, `${side.name}.json`), result);
    }
    const [baseline, candidate] = results;
    if (!baseline || !candidate) return 1;
    console.log('\nComparison (the same script against both clusters)\n');
    console.log(compareRuns(baseline, candidate, { names: ['vllm', 'llm-d'], iterations: 1000, seed }));
    const ok = results.every((r) => (r.summary.outcomes.success ?? 0) > 0);
    return ok ? 0 : 1;
  } finally {
    await Promise.all(clusters.map((c) => c.close()));
  }
}
