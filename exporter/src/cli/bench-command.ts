import { DEFAULT_CORPUS } from '../corpus/load-corpus.js';
import { freshSeed } from '../util/random.js';
import { intFlag, parseStrict, secondsFlag } from '../util/args.js';
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
  'cold-start': { type: 'boolean' },
  'no-cold-start': { type: 'boolean' },
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
      --cold-start          open turn 1 with a marker unique to this run and conversation, so first
                            turns are never served from a cache an earlier run warmed (default)
      --no-cold-start       send the reference tool's identical prompts run after run
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
  /**
   * On by default: the reference tool sends identical prompts run after run, so a second run against
   * the same servers finds its first turns in the prefix cache (312 -> 67 ms on a prefix-aware sim)
   * and its speedup collapses; a benchmark should measure the same thing every time it runs.
   */
  coldStart: boolean;
}

export function parseBenchArgs(argv: readonly string[]): BenchSettings | 'help' {
  const { values, positionals } = parseStrict('bench', argv, FLAGS);
  if (values.help) return 'help';
  const minDelay = secondsFlag('--min-delay', values['min-delay'], 0.5, { min: 0 });
  const maxDelay = secondsFlag('--max-delay', values['max-delay'], 2.0, { min: 0 });
  if (maxDelay < minDelay) throw new UsageError(`--max-delay (${maxDelay}) must not be less than --min-delay (${minDelay})`);
  const replicaHeader = values['replica-header'] ?? 'x-inference-pod';
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(replicaHeader)) throw new UsageError(`--replica-header must be an HTTP header name, got '${replicaHeader}'`);
  if (values['cold-start'] && values['no-cold-start']) throw new UsageError('--cold-start and --no-cold-start contradict each other; give one');
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
    coldStart: !(values['no-cold-start'] ?? false),
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

export async function benchCommand(argv: string[]): Promise<number> {
  const parsed = parseBenchArgs(argv);
  if (parsed === 'help') {
    console.log(BENCH_USAGE);
    return 0;
  }
  const settings = parsed.seedGiven ? parsed : { ...parsed, seed: freshSeed() };
  if (!parsed.seedGiven) console.error(`kvcanary bench: seed ${settings.seed} (replay with --seed ${settings.seed})`);
  // Loaded only now: --help and a usage error cost no client, no schemas, no statistics.
  return (await import('./bench-execute.js')).runBenchCommand(settings);
}
