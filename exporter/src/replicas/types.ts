/** One replica as discovery sees it: a bounded label value and where its /metrics live. */
export interface Replica {
  /** Becomes the `replica` label: sanitised and bounded by the monitor. */
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
