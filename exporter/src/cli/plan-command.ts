import { writeFile } from 'node:fs/promises';
import { TTFT_BUCKETS, defaultRuleConfig, durationSeconds } from '@kvcanary/contract';
import {
  PLAN_JSON_VERSION,
  benchJsonSchema,
  describeSchemaError,
  recordsResponseSchema,
  type PacingInfo,
  type PlanJson,
  type RecordsResponse,
  type RequestRecord,
} from '@kvcanary/contract/schemas';
import { loadConfigFile } from '../config/load.js';
import { parseDuration } from '../config/duration.js';
import { pacingInfo } from '../config/pacing-info.js';
import { configSchema } from '../config/schema.js';
import { PLAN_CHANGES, planAlerts } from '../stats/alert-plan.js';
import type { ReplaySample } from '../stats/alert-replay.js';
import { intFlag, numberFlag, parseStrict } from '../util/args.js';
import { UsageError } from '../util/usage-error.js';
import { readJsonFile } from './compare-command.js';
import { formatPlan } from './plan-report.js';

const FLAGS = {
  from: { type: 'string' },
  target: { type: 'string' },
  config: { type: 'string' },
  rate: { type: 'string' },
  'scrape-interval': { type: 'string' },
  trials: { type: 'string' },
  days: { type: 'string' },
  horizon: { type: 'string' },
  seed: { type: 'string' },
  json: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The scrape interval of the shipped scrape config and ServiceMonitor (monitoring/prometheus/prometheus.yml, monitoring/kubernetes/base/servicemonitor.yaml). */
const DEFAULT_SCRAPE = '15s';

export const PLAN_USAGE = `usage: kvcanary plan [BENCH.json | --from URL] [options]

How fast the latency alerts catch a regression and how often they fire for nothing, at the
configured probe rate and at 2x and 4x it: the recorded requests are resampled and the alert
rules (the contract's rule config) replayed the way Prometheus evaluates them.

  BENCH.json             requests recorded by \`kvcanary bench --json\` (or a saved /api/v1/records body)
      --from URL         or a running exporter's window (URL/api/v1/records), with its pacing
      --target NAME      which target's requests (default: the first)
      --config FILE      kvcanary.yaml whose pacing sets the probe rate (default: the exporter's defaults)
      --rate N           probe requests per minute, instead of deriving it from the pacing
      --scrape-interval D  Prometheus's scrape interval of the exporter (${DEFAULT_SCRAPE})
      --trials N         detection trials per change and rate (100)
      --days N           simulated days of unchanged service per rate (30)
      --horizon D        a trial not fired after this long counts as not detected (6h)
      --seed N           resampling seed (1)
      --json FILE        also write the plan as JSON
  -h, --help             this help`;

interface Source {
  name: string;
  records: RequestRecord[];
  pacing: PacingInfo;
}

/**
 * Probe requests per minute of one target: conversations per minute x turns, or, for a concurrency,
 * conversations in flight / (mean request time + mean think time before each turn).
 */
export function requestsPerMinute(pacing: PacingInfo, records: readonly RequestRecord[]): { perMinute: number; from: string } {
  if (pacing.conversationsPerMinute !== undefined) {
    return { perMinute: pacing.conversationsPerMinute * pacing.turns, from: `${pacing.conversationsPerMinute} conversations/min x ${pacing.turns} turns` };
  }
  const concurrency = pacing.concurrency ?? 4;
  const meanRequest = records.reduce((sum, r) => sum + r.totalMs, 0) / records.length / 1000;
  const perRequest = meanRequest + pacing.meanThinkSeconds;
  return {
    perMinute: (concurrency * 60) / perRequest,
    from: `${concurrency} conversations in flight / (mean request ${meanRequest.toFixed(2)}s + mean think ${pacing.meanThinkSeconds.toFixed(2)}s)`,
  };
}

/** One target of an /api/v1/records body: the named one, or the first. */
function targetOf(records: RecordsResponse, target: string | undefined, where: string): Source {
  const names = records.targets.map((t) => t.target);
  const chosen = target === undefined ? records.targets[0] : records.targets.find((t) => t.target === target);
  if (!chosen) throw new UsageError(`--target '${target ?? ''}' is not a target of ${where} (targets: ${names.join(', ') || 'none'})`);
  return { name: chosen.target, records: chosen.records, pacing: records.pacing };
}

async function fromExporter(url: string, target: string | undefined): Promise<Source> {
  let at: URL;
  try {
    at = new URL('api/v1/records', url.endsWith('/') ? url : `${url}/`);
  } catch {
    throw new UsageError(`--from must be the exporter's URL, such as http://127.0.0.1:9400, got '${url}'`);
  }
  let body: unknown;
  try {
    const res = await fetch(at, { headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    body = await res.json();
  } catch (err) {
    throw new UsageError(`--from ${url}: cannot read ${at.pathname} (${err instanceof Error ? err.message : String(err)})`);
  }
  const parsed = recordsResponseSchema.safeParse(body);
  if (!parsed.success) throw new UsageError(`--from ${url}: not a kvcanary /api/v1/records answer: ${describeSchemaError(parsed.error)}`);
  return targetOf(parsed.data, target, url);
}

/** A bench --json file (pacing from --config or the defaults), or a saved /api/v1/records body (with its own pacing). */
async function fromFile(file: string, target: string | undefined, configFile: string | undefined): Promise<Source> {
  const body = await readJsonFile(file, 'plan');
  const saved = recordsResponseSchema.safeParse(body);
  if (saved.success) return targetOf(saved.data, target, `'${file}'`);
  const parsed = benchJsonSchema.safeParse(body);
  if (!parsed.success) throw new UsageError(`plan '${file}': neither a kvcanary bench --json file nor an /api/v1/records body: ${describeSchemaError(parsed.error)}`);
  const bench = parsed.data;
  const names = [...new Set(bench.records.map((r) => r.target))];
  const name = target ?? names[0] ?? bench.summary.target;
  if (!names.includes(name)) throw new UsageError(`--target '${name}' has no records in '${file}' (targets: ${names.join(', ') || 'none'})`);
  const config = configFile === undefined ? configSchema.parse({}) : loadConfigFile(configFile);
  return { name, records: bench.records.filter((r) => r.target === name), pacing: pacingInfo(config.pacing) };
}

function samplesOf(records: readonly RequestRecord[]): ReplaySample[] {
  return records.flatMap((r) => (r.outcome === 'success' && r.ttftMs !== undefined ? [{ seconds: r.ttftMs / 1000, firstTurn: r.turn === 1 }] : []));
}

function durationFlag(flag: string, value: string | undefined, fallback: string): number {
  const ms = parseDuration(value ?? fallback);
  if (ms === null || ms <= 0) throw new UsageError(`${flag} must be a duration such as 15s or 6h, got '${value ?? ''}'`);
  return ms / 1000;
}

export async function planCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseStrict('plan', argv, FLAGS);
  if (values.help) {
    console.log(PLAN_USAGE);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(`plan: expected at most one BENCH.json, got ${positionals.length} files`);
  if ((positionals.length === 1) === (values.from !== undefined)) throw new UsageError('plan: give a BENCH.json file or --from URL (one of them)');
  const trials = intFlag('--trials', values.trials, 100, { min: 10, max: 10_000 });
  const days = numberFlag('--days', values.days, 30, { min: 1, max: 3650 });
  const seed = intFlag('--seed', values.seed, 1, { min: 0, max: 2 ** 32 - 1 });
  const scrape = durationFlag('--scrape-interval', values['scrape-interval'], DEFAULT_SCRAPE);
  const horizon = durationFlag('--horizon', values.horizon, '6h');
  const rate = values.rate === undefined ? undefined : numberFlag('--rate', values.rate, 0, { min: 0, exclusiveMin: true, max: 100_000 });
  const evaluation = durationSeconds(defaultRuleConfig.evaluationInterval);
  if (scrape > evaluation) throw new UsageError(`--scrape-interval ${values['scrape-interval'] ?? ''} is longer than the rules' evaluation interval (${defaultRuleConfig.evaluationInterval})`);

  const sourceName = values.from ?? (positionals[0] as string);
  const source = values.from !== undefined ? await fromExporter(values.from, values.target) : await fromFile(sourceName, values.target, values.config);
  const samples = samplesOf(source.records);
  if (samples.length < 10) throw new UsageError(`plan: ${source.name} has ${samples.length} successful requests with a TTFT; at least 10 are needed to resample`);
  const pace = rate !== undefined ? { perMinute: rate, from: '--rate' } : requestsPerMinute(source.pacing, source.records);

  const started = Date.now();
  const rows = planAlerts({
    samples,
    rules: defaultRuleConfig,
    bounds: TTFT_BUCKETS,
    scrapeIntervalSeconds: scrape,
    requestsPerMinute: pace.perMinute,
    trials,
    days,
    horizonSeconds: horizon,
    seed,
    progress: (line) => process.stderr.write(`plan: ${line} (${Math.round((Date.now() - started) / 1000)}s)\n`),
  });
  const plan: PlanJson = {
    version: PLAN_JSON_VERSION,
    source: sourceName,
    target: source.name,
    samples: samples.length,
    firstTurnShare: samples.filter((s) => s.firstTurn).length / samples.length,
    pacing: { requestsPerMinute: pace.perMinute, from: pace.from },
    settings: {
      scrapeIntervalSeconds: scrape,
      evaluationIntervalSeconds: evaluation,
      minProbeRequests: defaultRuleConfig.minProbeRequests,
      trials,
      days,
      horizonSeconds: horizon,
      seed,
    },
    changes: [...PLAN_CHANGES],
    rows,
  };
  console.log(formatPlan(plan));
  if (values.json !== undefined) await writeFile(values.json, `${JSON.stringify(plan, null, 2)}\n`);
  return 0;
}
