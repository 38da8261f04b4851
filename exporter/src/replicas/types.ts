import type { EnginePhase } from '@kvcanary/contract';
import type { EngineSplit, ReplicaFigures, SchedulerView } from '@kvcanary/contract/schemas';

/** One replica as discovery sees it: its name and where its /metrics live. */
export interface Replica {
  /** As discovery gives it; the monitor turns it into the `replica` label (replicaLabelValue) and bounds how many. */
  name: string;
  /** Never exposed as a label or in /api/v1/summary (it may carry credentials). */
  metricsUrl: string;
  /** The pod's namespace when discovery knows it: DCGM's pod mapping is matched on name and namespace. */
  namespace?: string;
}

/**
 * Where a target's replicas come from. `list()` never rejects: a source that cannot reach its
 * backend logs the error and answers with the last list it knew.
 */
export interface ReplicaSource {
  list(): Promise<Replica[]>;
  /** Releases timers or connections, if the source holds any. */
  close?(): Promise<void>;
}

/** A histogram's sum (seconds) and count (requests), reset-corrected. */
export interface EngineTotals {
  seconds: number;
  requests: number;
}

/**
 * One replica as the exporter shows it: what /api/v1/summary lists and every per-replica series of
 * /metrics, read from the same object at the same moment.
 */
export interface ReplicaSnapshot {
  /** The summary's figures (the contract's shape), named by the contract's replicaLabelValue. */
  figures: ReplicaFigures;
  /** Reset-corrected prefix-cache counters since the exporter started, in tokens; null for a replica that never had a pair of one generation. */
  prefixCacheCounters: { hits: number; queries: number } | null;
  /** Utilisation per GPU, 0-1; empty while the replica is down. */
  gpus: readonly { gpu: string; utilization: number }[];
  /** Totals since the exporter started, for the phases the replica reports. */
  phaseTotals: Partial<Record<EnginePhase, EngineTotals>>;
  /** Increases over the engine window (the summary's window); empty while the replica is down. */
  phaseWindow: Partial<Record<EnginePhase, EngineTotals>>;
  /** Reset-corrected preemptions; null for a replica that does not report them. */
  preemptions: number | null;
}

/** A target's replicas at one moment: the scraped ones, and every replica its probes were attributed to. */
export interface TargetReplicas {
  target: string;
  /** Sorted by name. */
  replicas: readonly ReplicaSnapshot[];
  /** Probe requests per replica label, discovered or not (`other` past the bound). */
  probeRequests: ReadonlyMap<string, number>;
  /** Over the window, from the replicas' own histograms; null when none reports them. */
  engine: EngineSplit | null;
  /** The endpoint picker's pool figures; null when the target names no picker. */
  scheduler: SchedulerView | null;
}
