import type { ReplicaFigures } from '@kvcanary/contract/schemas';

/** One replica as discovery sees it: its name and where its /metrics live. */
export interface Replica {
  /** As discovery gives it; the monitor turns it into the `replica` label (replicaLabelValue) and bounds how many. */
  name: string;
  /** Never exposed as a label or in /api/v1/summary (it may carry credentials). */
  metricsUrl: string;
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

/**
 * One replica as the exporter shows it: what /api/v1/summary lists and every per-replica series of
 * /metrics, read from the same object at the same moment.
 */
export interface ReplicaSnapshot {
  /** The summary's figures (the contract's shape), named by the contract's replicaLabelValue. */
  figures: ReplicaFigures;
  /** Reset-corrected prefix-cache counters since the exporter started, in tokens. */
  prefixCacheHits: number;
  prefixCacheQueries: number;
  /** Utilisation per GPU, 0-1; empty while the replica is down. */
  gpus: readonly { gpu: string; utilization: number }[];
}

/** A target's replicas at one moment: the scraped ones, and every replica its probes were attributed to. */
export interface TargetReplicas {
  target: string;
  /** Sorted by name. */
  replicas: readonly ReplicaSnapshot[];
  /** Probe requests per replica label, discovered or not (`other` past the bound). */
  probeRequests: ReadonlyMap<string, number>;
}
