/** The bench harness's command line: one-line errors naming the flag (exit 2), as the CLI's. */
import { resolve } from 'node:path';
import { intFlag, numberFlag, parseStrict } from '../util/args.js';
import { UsageError } from '../util/usage-error.js';
import type { StreamShape } from './protocol.js';

/** Named at the start of every message, as the CLI's commands are. */
export const COMMAND = 'npm run bench';

export const SECTIONS = ['startup', 'levels', 'footprint', 'metrics', 'interference'] as const;
export type Section = (typeof SECTIONS)[number];
export type Mode = 'quick' | 'default' | 'long';

export interface HarnessOptions {
  mode: Mode;
  out: string;
  corpusDir: string | null;
  seed: number;
  /** Concurrent streams to measure; null = the mode's levels. */
  levels: number[] | null;
  sections: ReadonlySet<Section>;
  stream: Partial<StreamShape>;
  /** Where each measured child writes its V8 CPU profiles; null: not profiled. */
  cpuProfDir: string | null;
}

export const BENCH_HARNESS_USAGE = `usage: npm run bench -- [options]     (node exporter/dist/bench/main.js [options])

Measures kvcanary's TTFT error and cost against a ground-truth server and a bare node:http floor,
on the conversations kvcanary runs, and writes bench-results.json and bench-results.md.
\`npm run bench -- --soak [--conversations N] [--out FILE]\` runs the fault soak instead.

      --quick                 smallest levels and short runs (about a minute): a sanity check
      --long                  the sidecar over 30 minutes, interference over a full window (over an hour)
      --out DIR               where the results go (default: .bench/ of the exporter package)
  -d, --seed-documents DIR    seed documents (default: the corpus kvcanary bench loads)
      --seed N                seed of the conversation scripts (1)
      --levels N,N,...        concurrent streams to measure (4,32,128,256,1000; quick: 4)
      --only LIST             sections to run: ${SECTIONS.join(',')} (default: all)
      --first-token-ms MS     the ground truth's TTFT (100; quick: 20)
      --chunks N              content chunks per answer (50; quick: 10)
      --chunk-interval-ms MS  between chunks (5; quick: 2)
      --cpu-prof DIR          a V8 CPU profile of every measured child (floor, kvcanary bench, serve and its
                              worker thread) in DIR, a folder per child in the order they ran; the figures
                              then include the profiler's own cost
  -h, --help                  this help`;

const FLAGS = {
  quick: { type: 'boolean' },
  long: { type: 'boolean' },
  out: { type: 'string' },
  'seed-documents': { type: 'string', short: 'd' },
  seed: { type: 'string' },
  levels: { type: 'string' },
  only: { type: 'string' },
  'first-token-ms': { type: 'string' },
  chunks: { type: 'string' },
  'chunk-interval-ms': { type: 'string' },
  'cpu-prof': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function list(flag: string, value: string): string[] {
  const items = value.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) throw new UsageError(`${flag} must be a comma-separated list, got '${value}'`);
  return items;
}

/** Paths are taken from `cwd`: npm runs the script in the package folder, INIT_CWD is where the user typed it. */
export function parseHarnessArgs(argv: readonly string[], defaultOut: string, cwd = process.env.INIT_CWD ?? process.cwd()): HarnessOptions | 'help' {
  const { values, positionals } = parseStrict(COMMAND, argv, FLAGS);
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (values.quick && values.long) throw new UsageError(`give --quick or --long, not both`);
  const levels = values.levels === undefined ? null : list('--levels', values.levels).map((s) => intFlag('--levels', s, 0, { min: 1, max: 1000 }));
  const only = values.only === undefined ? [...SECTIONS] : list('--only', values.only);
  for (const s of only) if (!(SECTIONS as readonly string[]).includes(s)) throw new UsageError(`--only: unknown section '${s}' (expected ${SECTIONS.join(', ')})`);
  const stream: Partial<StreamShape> = {};
  if (values['first-token-ms'] !== undefined) stream.firstTokenMs = numberFlag('--first-token-ms', values['first-token-ms'], 0, { min: 0, max: 60_000 });
  if (values.chunks !== undefined) stream.chunks = intFlag('--chunks', values.chunks, 0, { min: 1, max: 10_000 });
  if (values['chunk-interval-ms'] !== undefined) stream.chunkIntervalMs = numberFlag('--chunk-interval-ms', values['chunk-interval-ms'], 0, { min: 0, max: 10_000 });
  return {
    mode: values.quick ? 'quick' : values.long ? 'long' : 'default',
    out: values.out === undefined ? defaultOut : resolve(cwd, values.out),
    corpusDir: values['seed-documents'] === undefined ? null : resolve(cwd, values['seed-documents']),
    seed: intFlag('--seed', values.seed, 1, { min: 0, max: 2 ** 32 - 1 }),
    levels,
    sections: new Set(only as Section[]),
    stream,
    cpuProfDir: values['cpu-prof'] === undefined ? null : resolve(cwd, values['cpu-prof']),
  };
}
