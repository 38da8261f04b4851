import { durationSeconds, type RuleConfig } from '@kvcanary/contract';
import { describeSchemaError, historyResponseSchema, type HistoryPoint, type HistoryResponse } from '@kvcanary/contract/schemas';

/** Which window figure a line shows. */
export type TrendFigure = 'p50' | 'p95' | 'p99' | 'cacheSpeedup' | 'errorRatio';

export interface TrendLine {
  target: string;
  figure: TrendFigure;
  /** Consecutive points with a value; a point without one breaks the line. */
  segments: Array<Array<{ at: number; value: number }>>;
}

/** A stretch in which an alert's condition held on the exporter's figures; `firing` once it held for the rule's `for`. */
export interface TrendSpan {
  target: string;
  alert: string;
  from: number;
  to: number;
  firing: boolean;
}

export interface TrendThreshold {
  value: number;
  label: string;
}

export interface TrendChartModel {
  id: 'ttft' | 'speedup' | 'errors';
  title: string;
  unit: 'ms' | 'x' | 'percent';
  lines: TrendLine[];
  thresholds: TrendThreshold[];
  spans: TrendSpan[];
  /** The largest value shown, lines and thresholds alike (the axis reaches it). */
  max: number;
}

export interface TrendModel {
  targets: string[];
  /** Epoch ms of the first and last point over all targets; equal when there is at most one. */
  start: number;
  end: number;
  charts: TrendChartModel[];
  /** Shown instead of the charts when there is nothing to draw yet. */
  message?: string;
}

export interface TrendInput {
  response: HistoryResponse | null;
  error?: string;
  /** The alert rules' thresholds: the contract's `defaultRuleConfig`, as the rule file renders them. */
  rules: RuleConfig;
}

export function parseHistory(body: unknown, source: string): HistoryResponse {
  const parsed = historyResponseSchema.safeParse(body);
  if (!parsed.success) {
    throw new Error(`${source} does not match the history schema: ${describeSchemaError(parsed.error)}`);
  }
  return parsed.data;
}

function valueOf(p: HistoryPoint, figure: TrendFigure): number | null {
  switch (figure) {
    case 'p50':
      return p.p50Ms;
    case 'p95':
      return p.p95Ms;
    case 'p99':
      return p.p99Ms;
    case 'cacheSpeedup':
      return p.cacheSpeedup;
    case 'errorRatio':
      return p.errorRatio === null ? null : p.errorRatio * 100;
  }
}

function lineOf(target: string, points: readonly HistoryPoint[], figure: TrendFigure): TrendLine {
  const segments: TrendLine['segments'] = [];
  let current: Array<{ at: number; value: number }> = [];
  for (const p of points) {
    const value = valueOf(p, figure);
    if (value === null) {
      if (current.length > 0) {
        segments.push(current);
      }
      current = [];
    } else {
      current.push({ at: p.at, value });
    }
  }
  if (current.length > 0) {
    segments.push(current);
  }
  return { target, figure, segments };
}

/**
 * Stretches of consecutive points where `holds` is true and the window had the rules' minimum of probe
 * requests; a stretch is `firing` once it has lasted the alert's `for` (Prometheus's pending -> firing).
 */
function spansOf(
  target: string,
  points: readonly HistoryPoint[],
  alert: string,
  forSeconds: number,
  minRequests: number,
  holds: (p: HistoryPoint, i: number) => boolean
): TrendSpan[] {
  const spans: TrendSpan[] = [];
  let from: number | null = null;
  let to = 0;
  const close = () => {
    if (from !== null) {
      spans.push({ target, alert, from, to, firing: (to - from) / 1000 >= forSeconds });
    }
    from = null;
  };
  points.forEach((p, i) => {
    if (p.requests >= minRequests && holds(p, i)) {
      from ??= p.at;
      to = p.at;
    } else {
      close();
    }
  });
  close();
  return spans;
}

/** The mean P95 of the points in the regression rule's reference window (`referenceWindow` ending `offset` before `at`); null without any. */
function referenceP95(points: readonly HistoryPoint[], at: number, rules: RuleConfig): number | null {
  const end = at - durationSeconds(rules.ttftRegression.offset) * 1000;
  const start = end - durationSeconds(rules.ttftRegression.referenceWindow) * 1000;
  const values = points.flatMap((p) => (p.at > start && p.at <= end && p.p95Ms !== null ? [p.p95Ms] : []));
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

function maxOf(lines: readonly TrendLine[], thresholds: readonly TrendThreshold[]): number {
  return Math.max(0, ...lines.flatMap((l) => l.segments.flat().map((p) => p.value)), ...thresholds.map((t) => t.value));
}

/**
 * The page's trend charts: P50/P95/P99 TTFT, cache speedup and error ratio of every target over the
 * exporter's history, with the alert rules' thresholds drawn and the stretches where a rule's condition
 * held on these figures marked. The exporter's window (10 minutes by default) is not the rules' 5-minute
 * rate window, so a mark says "this is what the rule looks at", not that Prometheus fired.
 */
export function historyToTrends({ response, error, rules }: TrendInput): TrendModel {
  const empty = { targets: [], start: 0, end: 0, charts: [] };
  if (response === null) {
    return { ...empty, message: error ?? 'Loading the history…' };
  }
  const targets = response.targets.map((t) => t.target);
  const all = response.targets.flatMap((t) => t.points.map((p) => p.at));
  if (all.length === 0) {
    return { ...empty, targets, message: `No history yet: the exporter takes a point every ${response.intervalSeconds} s.` };
  }
  const min = rules.minProbeRequests;
  const r = rules.ttftRegression;
  const ttftThresholds: TrendThreshold[] = [
    { value: Number(rules.slo.ttftBucket) * 1000, label: `SLO: ${rules.slo.objective * 100}% within ${rules.slo.ttftBucket} s` },
    { value: r.floorSeconds * 1000, label: `P95 regression floor ${r.floorSeconds} s` },
  ];
  const speedupThresholds = [{ value: rules.cacheSpeedup.min, label: `speedup alert below ${rules.cacheSpeedup.min}×` }];
  const errorThresholds = [{ value: rules.probeFailing.maxErrorRatio * 100, label: `probe-failing alert above ${rules.probeFailing.maxErrorRatio * 100}%` }];

  const ttftLines = response.targets.flatMap((t) => (['p50', 'p95', 'p99'] as const).map((f) => lineOf(t.target, t.points, f)));
  const speedupLines = response.targets.map((t) => lineOf(t.target, t.points, 'cacheSpeedup'));
  const errorLines = response.targets.map((t) => lineOf(t.target, t.points, 'errorRatio'));

  const regression = response.targets.flatMap((t) =>
    spansOf(t.target, t.points, 'KVCanaryTTFTP95Regression', durationSeconds(r.for), min, (p) => {
      const ref = referenceP95(t.points, p.at, rules);
      return p.p95Ms !== null && ref !== null && p.p95Ms > r.factor * ref && p.p95Ms > r.floorSeconds * 1000;
    })
  );
  const speedup = response.targets.flatMap((t) =>
    spansOf(t.target, t.points, 'KVCanaryCacheSpeedupCollapsed', durationSeconds(rules.cacheSpeedup.for), min, (p) => p.cacheSpeedup !== null && p.cacheSpeedup < rules.cacheSpeedup.min)
  );
  const errors = response.targets.flatMap((t) =>
    spansOf(t.target, t.points, 'KVCanaryProbeFailing', durationSeconds(rules.probeFailing.for), min, (p) => p.errorRatio !== null && p.errorRatio > rules.probeFailing.maxErrorRatio)
  );

  return {
    targets,
    start: Math.min(...all),
    end: Math.max(...all),
    charts: [
      { id: 'ttft', title: 'TTFT P50 / P95 / P99', unit: 'ms', lines: ttftLines, thresholds: ttftThresholds, spans: regression, max: maxOf(ttftLines, ttftThresholds) },
      { id: 'speedup', title: 'Cache speedup', unit: 'x', lines: speedupLines, thresholds: speedupThresholds, spans: speedup, max: maxOf(speedupLines, speedupThresholds) },
      { id: 'errors', title: 'Error ratio', unit: 'percent', lines: errorLines, thresholds: errorThresholds, spans: errors, max: maxOf(errorLines, errorThresholds) },
    ],
  };
}
