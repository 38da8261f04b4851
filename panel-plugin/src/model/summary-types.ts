/**
 * The body of the exporter's GET /api/v1/summary, as the standalone page reads it.
 * Mirrors exporter/src/stats/types.ts (the contract), which lives in another package; only the fields
 * the page reads are listed, so the exporter may add fields without breaking the page.
 */

export interface DistributionJson {
  count: number;
  p50: number;
  p95: number;
  p99: number;
}

export interface GroupMeanJson {
  key: string;
  meanMs: number;
  count: number;
}

export interface SummaryJson {
  target: string;
  requests: number;
  outcomes: Record<string, number>;
  ttft: DistributionJson | null;
  byTurn: GroupMeanJson[];
  firstTurnMeanMs: number | null;
  laterTurnsMeanMs: number | null;
  cacheSpeedup: number | null;
}

export interface ReplicaFiguresJson {
  name: string;
  up: boolean;
  prefixCacheHitRatio: number | null;
  kvCacheUsage: number | null;
  running: number | null;
  waiting: number | null;
  gpuUtilization: number | null;
  probeRequests: number;
}

/** A 95% confidence interval, [low, high]. */
export type IntervalJson = readonly [number, number];

export interface TargetSummaryJson {
  summary: SummaryJson;
  role: 'baseline' | 'candidate' | null;
  up: boolean;
  lastSuccess: string | null;
  /** Bootstrap 95% intervals over the window's requests; TTFT in ms, cache speedup as a factor. null when too few requests. */
  ci95: { p50: IntervalJson | null; p95: IntervalJson | null; p99: IntervalJson | null; cacheSpeedup: IntervalJson | null };
  replicas: ReplicaFiguresJson[];
}

export interface SummaryResponseJson {
  generatedAt: string;
  windowSeconds: number;
  targets: TargetSummaryJson[];
}
