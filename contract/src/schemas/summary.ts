/**
 * The JSON shapes of `/api/v1/summary` (and of the `summary` inside a `bench --json` file): zod schemas,
 * with the TypeScript types derived from them. The exporter writes these types, the standalone page and
 * `compare` parse with these schemas. Unknown keys are dropped on parse, so a reader accepts a newer
 * writer that added fields.
 */
import { z } from 'zod';
import { PREFIX_CACHE_STATES, ROLES } from '../labels.js';

/** Order statistics of a set of durations, in milliseconds (the reference tool's percentile). */
export const distributionSchema = z.object({
  count: z.number(),
  min: z.number(),
  max: z.number(),
  mean: z.number(),
  p50: z.number(),
  p95: z.number(),
  p99: z.number(),
});
export type Distribution = z.infer<typeof distributionSchema>;

/** The mean of one group: a turn ("1", "2", ... or the capped "10+") or a document type ("CODE", "TEXT"). */
export const groupMeanSchema = z.object({ key: z.string(), meanMs: z.number(), count: z.number() });
export type GroupMean = z.infer<typeof groupMeanSchema>;

/** A 95% confidence interval [low, high]. */
export const intervalSchema = z.tuple([z.number(), z.number()]).readonly();
export type Interval = z.infer<typeof intervalSchema>;

export const roleSchema = z.enum(ROLES);

/**
 * The figures of one run (bench) or one sliding window (serve), for one target: the printed summary,
 * `--json`, `/api/v1/summary` and the standalone page all read this one shape.
 */
export const summarySchema = z.object({
  target: z.string(),
  model: z.string(),
  /** Seconds the conversation phase took (bench) or the window spans (serve). */
  elapsedSeconds: z.number(),
  requests: z.number(),
  /** Requests by outcome; success included. */
  outcomes: z.record(z.string(), z.number()),
  conversationsCompleted: z.number(),
  conversationsPlanned: z.number(),
  requestsPerSecond: z.number(),
  /** Over successful requests only; null when there are none. */
  ttft: distributionSchema.nullable(),
  /**
   * To the first non-empty `delta.content`, reasoning deltas not counted (the reference tool's TTFT);
   * `ttft` counts the first token of any kind, as the server does. Equal for models that stream no
   * reasoning; null when no request got content. Absent in files written before it existed.
   */
  timeToFirstContent: distributionSchema.nullable().default(null),
  totalTime: distributionSchema.nullable(),
  itl: distributionSchema.nullable(),
  byTurn: z.array(groupMeanSchema),
  byDocType: z.array(groupMeanSchema),
  firstTurnMeanMs: z.number().nullable(),
  laterTurnsMeanMs: z.number().nullable(),
  /** First-turn mean / later-turns mean; null when either side is empty. */
  cacheSpeedup: z.number().nullable(),
  /**
   * From the stream's `usage`. `cached` (usage.prompt_tokens_details.cached_tokens) is null when no
   * request reported it, which is not 0: vLLM omits it unless it runs with --enable-prompt-tokens-details.
   */
  tokens: z.object({ prompt: z.number(), completion: z.number(), cached: z.number().nullable() }),
  /** Share of later turns served by the replica that served the previous turn; null when no replica header was seen. */
  turnAffinity: z.number().nullable(),
  /** Probe requests per replica label, when a replica header was seen. */
  replicas: z.record(z.string(), z.number()),
});
export type Summary = z.infer<typeof summarySchema>;

/** One replica's figures: scraped from its own /metrics (and DCGM), plus the probes it served. */
export const replicaFiguresSchema = z.object({
  /** The `replica` label value. */
  name: z.string(),
  up: z.boolean(),
  /** From counter increases over the last 5 minutes; null before two scrapes, with no queries, or with prefix caching off. */
  prefixCacheHitRatio: z.number().nullable(),
  prefixCache: z.enum(PREFIX_CACHE_STATES),
  /** Why there is no hit ratio (caching off, no counters of one generation, no queries yet), or null when there is one. */
  prefixCacheNote: z.string().nullable(),
  /** 0-1. */
  kvCacheUsage: z.number().nullable(),
  running: z.number().nullable(),
  waiting: z.number().nullable(),
  /** 0-1, averaged over the replica's GPUs. */
  gpuUtilization: z.number().nullable(),
  probeRequests: z.number(),
  /** Mean TTFT the replica reports for every request it served over the window, ms; null without its histogram. */
  engineTtftMeanMs: z.number().nullable(),
  /** Requests waiting on the replica as the endpoint picker last saw them; null without a picker, or when it does not list the replica. */
  schedulerQueue: z.number().nullable(),
});
export type ReplicaFigures = z.infer<typeof replicaFiguresSchema>;

/** Bootstrap 95% intervals over the window's requests; TTFT in ms, cache speedup as a factor. */
export const intervalsSchema = z.object({
  p50: intervalSchema.nullable(),
  p95: intervalSchema.nullable(),
  p99: intervalSchema.nullable(),
  cacheSpeedup: intervalSchema.nullable(),
});
export type Intervals = z.infer<typeof intervalsSchema>;

/**
 * Where the target's TTFT goes, over the window, from the replicas' own histograms summed over replicas:
 * means in ms of every request the replicas served (not only the canary's), null for a phase no replica
 * reports. Canary TTFT (`summary.ttft.mean`) minus `ttftMeanMs` is the time outside the engine.
 */
export const engineSplitSchema = z.object({
  requests: z.number(),
  ttftMeanMs: z.number().nullable(),
  queueMeanMs: z.number().nullable(),
  prefillMeanMs: z.number().nullable(),
});
export type EngineSplit = z.infer<typeof engineSplitSchema>;

/** What the target's endpoint picker reports about its pool (per-pod queues are in the replicas' `schedulerQueue`). */
export const schedulerViewSchema = z.object({
  up: z.boolean(),
  /** 0-1, the pool's mean. */
  kvCacheUsage: z.number().nullable(),
  averageQueueSize: z.number().nullable(),
  requestsRunning: z.number().nullable(),
});
export type SchedulerView = z.infer<typeof schedulerViewSchema>;

/** One target in `/api/v1/summary`: the window's figures, their confidence intervals, its replicas. */
export const targetSummarySchema = z.object({
  summary: summarySchema,
  role: roleSchema.nullable(),
  up: z.boolean(),
  /** ISO time of the last successful probe request. */
  lastSuccess: z.string().nullable(),
  /**
   * Why the exporter sends this target no request at all right now, naming the config field (a
   * missing API key: `targets[0].apiKeyFile: cannot read /run/secrets/api-key (ENOENT)`); null when
   * it probes. A writer that predates the field reads as null.
   */
  problem: z.string().nullable().default(null),
  ci95: intervalsSchema,
  /** Present and true when `ci95` is from an earlier window: computing this window's failed. */
  ci95Stale: z.boolean().optional(),
  replicas: z.array(replicaFiguresSchema),
  /** null when no replica reports its own timings. */
  engine: engineSplitSchema.nullable(),
  /** null when the target names no endpoint picker. */
  scheduler: schedulerViewSchema.nullable(),
});
export type TargetSummary = z.infer<typeof targetSummarySchema>;

/** The body of GET /api/v1/summary. */
export const summaryResponseSchema = z.object({
  generatedAt: z.string(),
  windowSeconds: z.number(),
  /** The digest of the canary workload every target runs (the `workload` label of the target-info metric). */
  workload: z.string(),
  targets: z.array(targetSummarySchema),
});
export type SummaryResponse = z.infer<typeof summaryResponseSchema>;
