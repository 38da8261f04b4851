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
