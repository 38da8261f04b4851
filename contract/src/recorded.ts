/**
 * The series the recording rules write, named by Prometheus's `level:metric:operation` convention
 * from the metric they are computed from, so renaming a metric renames what is recorded from it.
 * The names carry no window on purpose: the window is a tunable of the rules, and a change there must
 * not rename the series under every dashboard.
 */
import { exporterMetrics as m, type MetricDefinition, type Unit } from './metrics.js';

export interface RecordedSeries {
  name: string;
  /** The labels the rule aggregates by: every sample of the series carries exactly these. */
  labels: readonly string[];
  unit: Unit;
  help: string;
}

/** A counter's or ratio gauge's name without its unit suffix: `kvcanary_requests_total` -> `kvcanary_requests`. */
function base(metric: MetricDefinition): string {
  return metric.name.replace(/_(total|ratio)$/, '');
}

function series(name: string, labels: readonly string[], unit: Unit, help: string): RecordedSeries {
  return { name, labels, unit, help };
}

const byTarget = ['target'] as const;
const byReplica = ['target', 'replica'] as const;

export const recorded = {
  ttftP50: series(`target:${m.ttft.name}:p50`, byTarget, 'seconds', 'P50 TTFT from the histogram buckets, across exporters.'),
  ttftP95: series(`target:${m.ttft.name}:p95`, byTarget, 'seconds', 'P95 TTFT from the histogram buckets, across exporters.'),
  ttftP95ByVantage: series(
    `target_vantage:${m.ttft.name}:p95`,
    ['target', 'vantage'],
    'seconds',
    'P95 TTFT per vantage point, across the exporters of that vantage: a regression seen from one place only.',
  ),
  ttftP99: series(`target:${m.ttft.name}:p99`, byTarget, 'seconds', 'P99 TTFT from the histogram buckets, across exporters.'),
  ttftMeanByTurn: series(`target_turn:${m.ttft.name}:mean`, ['target', 'turn'], 'seconds', 'Mean TTFT by turn.'),
  ttftMeanFirstTurn: series(`target:${m.ttft.name}:mean_first_turn`, byTarget, 'seconds', 'Mean TTFT of first turns.'),
  ttftMeanLaterTurns: series(`target:${m.ttft.name}:mean_later_turns`, byTarget, 'seconds', 'Mean TTFT of later turns.'),
  ttftMean: series(`target:${m.ttft.name}:mean`, byTarget, 'seconds', 'Mean TTFT of all turns, as the canary measured it.'),
  enginePhaseMean: series(
    `target_phase:${base(m.replicaEnginePhaseSeconds)}:mean`,
    ['target', 'phase'],
    'seconds',
    "Mean time of a phase as the target's replicas report it (every request they served), over all replicas.",
  ),
  ttftOutsideEngine: series(
    `target:${m.ttft.name}:mean_outside_engine`,
    byTarget,
    'seconds',
    'Mean canary TTFT minus the mean TTFT the replicas report: time spent outside the engine (gateway, endpoint picker, network, queues in front of the engine).',
  ),
  cacheSpeedup: series(`target:${base(m.cacheSpeedup)}:ratio`, byTarget, 'ratio', 'First-turn mean TTFT / later-turns mean TTFT.'),
  requestRate: series(`target:${base(m.requests)}:rate`, byTarget, 'count', 'Canary requests per second, all outcomes.'),
  errorRatio: series(`target:${base(m.requests)}:error_ratio`, byTarget, 'ratio', 'Share of canary requests that did not succeed.'),
  replicaKvHitRatio: series(`target_replica:${base(m.replicaPrefixCacheHits)}:ratio`, byReplica, 'ratio', 'Prefix-cache hit ratio per replica, from counter rates.'),
  targetKvHitRatio: series(`target:${base(m.replicaPrefixCacheHits)}:ratio`, byTarget, 'ratio', 'Prefix-cache hit ratio over all replicas of a target, from counter rates.'),
  replicaKvUsage: series(`target_replica:${m.replicaKvCacheUsage.name}:avg`, byReplica, 'ratio', 'KV-cache usage per replica, averaged over the imbalance window.'),
  replicaGpuUtilization: series(`target_replica:${m.replicaGpuUtilization.name}:avg`, byReplica, 'ratio', 'GPU utilisation per replica, averaged over its GPUs and the imbalance window.'),
} as const;

export type RecordedKey = keyof typeof recorded;

/** The target-level figures that also get a candidate/baseline ratio, `<name>_over_baseline`. */
export const comparedFigures = [
  recorded.ttftP50,
  recorded.ttftP95,
  recorded.ttftP99,
  recorded.ttftMeanFirstTurn,
  recorded.ttftMeanLaterTurns,
  recorded.cacheSpeedup,
  recorded.errorRatio,
  recorded.targetKvHitRatio,
] as const;

/** Candidate figure / the baseline's figure; the candidate's `target`, the baseline's name in `baseline`. */
export function overBaseline(figure: RecordedSeries): RecordedSeries {
  return series(`${figure.name}_over_baseline`, ['target', 'baseline'], 'ratio', `${figure.help} Candidate / baseline.`);
}

/** Share of probes slower than the SLO's TTFT bucket over one burn-rate window (a Prometheus duration). */
export function sloViolationRatio(window: string): RecordedSeries {
  return series(`target:${m.ttft.name}:slo_violation_ratio_rate${window}`, byTarget, 'ratio', `Share of probes over the TTFT objective, ${window}.`);
}
