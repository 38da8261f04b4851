import { readFile } from 'node:fs/promises';
import { benchJsonSchema, describeSchemaError, type BenchJson } from '@kvcanary/contract/schemas';
import { bootstrapDifference, ttftSamples } from '../stats/bootstrap.js';
import { seededRandom } from '../util/random.js';
import { intFlag, parseStrict } from '../util/args.js';
import { targetName } from './bench-command.js';
import { formatComparison } from './compare-report.js';
import { UsageError } from '../util/usage-error.js';

const FLAGS = {
  names: { type: 'string' },
  iterations: { type: 'string' },
  seed: { type: 'string' },
  'across-workloads': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const COMPARE_USAGE = `usage: kvcanary compare BASELINE.json CANDIDATE.json [options]

The side-by-side table of two \`kvcanary bench --json\` results, with bootstrap 95% intervals.

      --names A,B        column names (default: from the runs' URLs)
      --iterations N     bootstrap resamples (1000)
      --seed N           bootstrap seed (default: the baseline run's seed)
      --across-workloads compare runs of different workloads anyway (unpaired; refused without it)
  -h, --help             this help`;

/** Reads and validates one bench --json file; every problem is a UsageError naming the file. */
export async function readBenchJson(file: string, role: string): Promise<BenchJson> {
  const value = await readJsonFile(file, role);
  const version = typeof value === 'object' && value !== null ? (value as { version?: unknown }).version : undefined;
  if (version === 1) {
    throw new UsageError(`${role} '${file}': bench --json version 1 has no workload digest and its first turns may have been warm; run bench again to compare it`);
  }
  const parsed = benchJsonSchema.safeParse(value);
  if (!parsed.success) throw new UsageError(`${role} '${file}': not a kvcanary bench --json file: ${describeSchemaError(parsed.error)}`);
  return parsed.data;
}

/** Reads one JSON file; a missing file or a body that is not JSON is a UsageError naming the file. */
export async function readJsonFile(file: string, role: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`${role} '${file}': cannot read it (${code === 'ENOENT' ? 'no such file' : code ?? String(err)})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new UsageError(`${role} '${file}': not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
}

/** Same workload, seed, turns and documents: conversation i asked the same questions of both targets. */
export function sameScript(a: BenchJson, b: BenchJson): boolean {
  if (a.workload !== b.workload || a.seed !== b.seed || a.options.turns !== b.options.turns || a.documents.length !== b.documents.length) return false;
  return a.documents.every((d, i) => d.name === b.documents[i]?.name && d.type === b.documents[i]?.type && d.chars === b.documents[i]?.chars);
}

export function columnNames(a: BenchJson, b: BenchJson, names?: string): [string, string] {
  if (names !== undefined) {
    const parts = names.split(',').map((s) => s.trim());
    if (parts.length !== 2 || parts.some((p) => p.length === 0)) throw new UsageError(`--names must be two names separated by a comma, got '${names}'`);
    return [parts[0] as string, parts[1] as string];
  }
  // The run's target name: the URL's host for bench, the side's name for demo.
  const na = a.summary.target || targetName(a.url);
  const nb = b.summary.target || targetName(b.url);
  return na === nb ? ['baseline', 'candidate'] : [na, nb];
}

export function compareRuns(baseline: BenchJson, candidate: BenchJson, options: { names: [string, string]; iterations: number; seed: number }): string {
  const difference = bootstrapDifference(ttftSamples(baseline.records), ttftSamples(candidate.records), {
    random: seededRandom(options.seed),
    iterations: options.iterations,
    paired: sameScript(baseline, candidate),
  });
  return formatComparison({
    names: options.names,
    baseline: baseline.summary,
    candidate: candidate.summary,
    workloads: [baseline.workload, candidate.workload],
    difference,
    iterations: options.iterations,
    seed: options.seed,
  });
}

export async function compareCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseStrict('compare', argv, FLAGS);
  if (values.help) {
    console.log(COMPARE_USAGE);
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError(`compare: expected BASELINE.json and CANDIDATE.json, got ${positionals.length} file${positionals.length === 1 ? '' : 's'}`);
  const iterations = intFlag('--iterations', values.iterations, 1000, { min: 100, max: 100_000 });
  const seedFlag = values.seed;
  const baseline = await readBenchJson(positionals[0] as string, 'baseline');
  const candidate = await readBenchJson(positionals[1] as string, 'candidate');
  if (baseline.workload !== candidate.workload && !values['across-workloads']) {
    throw new UsageError(`compare: different workloads (baseline ${baseline.workload}, candidate ${candidate.workload}): their figures do not pair; --across-workloads compares them anyway`);
  }
  const names = columnNames(baseline, candidate, values.names);
  const seed = intFlag('--seed', seedFlag, baseline.seed, { min: 0, max: 2 ** 32 - 1 });
  console.log(compareRuns(baseline, candidate, { names, iterations, seed }));
  return 0;
}
