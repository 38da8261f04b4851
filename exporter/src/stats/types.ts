/** Order statistics of a set of durations, in milliseconds. */
export interface Distribution {
  count: number;
  min: number;
  max: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
}

export interface GroupMean {
  /** Turn number ("1", "2", ... or the capped "10+") or document type ("CODE", "TEXT"). */
  key: string;
  meanMs: number;
  count: number;
}

/** A 95% confidence interval [low, high]. */
export type Interval = readonly [number, number];

/**
 * The figures of one run (bench) or one sliding window (serve), for one target.
 * The printed summary, `--json`, `/api/v1/summary` and the standalone page all read this one shape.
 */
export interface Summary {
  target: string;
  model: string;
  /** Seconds the conversation phase took (bench) or the window spans (serve). */
  elapsedSeconds: number;
  requests: number;
  /** Requests by outcome; success included. */
  outcomes: Record<string, number>;
  conversationsCompleted: number;
  conversationsPlanned: number;
  requestsPerSecond: number;
  /** Over successful requests only; null when there are none. */
  ttft: Distribution | null;
  totalTime: Distribution | null;
  itl: Distribution | null;
  byTurn: GroupMean[];
  byDocType: GroupMean[];
  firstTurnMeanMs: number | null;
  laterTurnsMeanMs: number | null;
  /** First-turn mean / later-turns mean; null when either side is empty. */
  cacheSpeedup: number | null;
  tokens: { prompt: number; completion: number; cached: number };
  /** Share of later turns served by the replica that served the previous turn; null when no replica header was seen. */
  turnAffinity: number | null;
  /** Probe requests per replica, when a replica header was seen. */
  replicas: Record<string, number>;
}

/** One replica's figures as scraped from its own /metrics (and DCGM), plus the probes it served. */
export interface ReplicaFigures {
  name: string;
  up: boolean;
  /** From counter increases over the last 5 minutes; null before two scrapes or with no queries. */
  prefixCacheHitRatio: number | null;
  /** 0-1. */
  kvCacheUsage: number | null;
  running: number | null;
  waiting: number | null;
  /** 0-1, averaged over the replica's GPUs. */
  gpuUtilization: number | null;
  probeRequests: number;
}

export type Role = 'baseline' | 'candidate';

/** One target in `/api/v1/summary`: the window's figures, their confidence intervals, its replicas. */
export interface TargetSummary {
  summary: Summary;
  role: Role | null;
  up: boolean;
  /** ISO time of the last successful probe request. */
  lastSuccess: string | null;
  /** Bootstrap 95% intervals over the window's requests. TTFT in ms. */
  ci95: { p50: Interval | null; p95: Interval | null; p99: Interval | null; cacheSpeedup: Interval | null };
  replicas: ReplicaFigures[];
}

/** The body of GET /api/v1/summary; the standalone page reads exactly this. */
export interface SummaryResponse {
  generatedAt: string;
  windowSeconds: number;
  targets: TargetSummary[];
}
