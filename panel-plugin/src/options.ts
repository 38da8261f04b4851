/** The panel's options. module.ts declares them for Grafana's editor; the defaults live here once so the standalone page uses the same ones. */
export interface ComparisonOptions {
  /** The label whose value names a target (a Prometheus label on every kvcanary series). */
  targetLabel: string;
  /** The target value shown as baseline; empty picks the first target seen. */
  baseline: string;
  /** The target value shown as candidate; empty picks the first other target seen. */
  candidate: string;
  showHeadline: boolean;
  showTurns: boolean;
  showFirstLater: boolean;
  /** Where TTFT goes: the canary's mean beside the replicas' own (engine) mean, and the rest. */
  showTtftSplit: boolean;
  showReplicas: boolean;
  showFreshness: boolean;
  latencyUnit: LatencyUnit;
  /** Decimals for latencies; undefined is automatic (0 for ms, 2 for s). */
  decimals?: number;
  /** A candidate at least this many percent better than baseline is coloured "better". */
  betterThreshold: number;
  /** A candidate at least this many percent worse than baseline is coloured "worse". */
  worseThreshold: number;
}

export type LatencyUnit = 'ms' | 's';

export const DEFAULT_OPTIONS: ComparisonOptions = {
  targetLabel: 'target',
  baseline: '',
  candidate: '',
  showHeadline: true,
  showTurns: true,
  showFirstLater: true,
  showTtftSplit: true,
  showReplicas: true,
  showFreshness: true,
  latencyUnit: 'ms',
  decimals: undefined,
  betterThreshold: 5,
  worseThreshold: 5,
};
