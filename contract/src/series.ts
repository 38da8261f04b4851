/**
 * Every series name the contract fixes, as Prometheus stores it: what a reader checks a `__name__`
 * against to tell a kvcanary series from a foreign one. The SLO violation ratios are not listed: their
 * names carry the burn-rate windows of the rules' configuration (`sloViolationRatio(window)`).
 */
import { exporterMetrics, probeMetrics, sampleNames } from './metrics.js';
import { comparedFigures, overBaseline, recorded } from './recorded.js';

export const contractSeriesNames: ReadonlySet<string> = new Set([
  ...[...Object.values(exporterMetrics), ...Object.values(probeMetrics)].flatMap(sampleNames),
  ...Object.values(recorded).map((r) => r.name),
  ...comparedFigures.map((f) => overBaseline(f).name),
]);
