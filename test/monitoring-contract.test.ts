/**
 * The generated rules and dashboards against the contract: they record exactly the contract's recorded
 * series, with exactly the labels it gives them, and read only series and fixed label values it
 * defines. So a metric renamed in the contract (or in the exporter without the contract) cannot leave
 * an alert or a panel reading a series nobody exposes.
 */
import { describe, expect, it } from '@jest/globals';
import {
  BASELINE,
  CANDIDATE,
  DEFAULT_TURN_CAP,
  DOC_TYPES,
  ENGINE_PHASES,
  NO_ROLE,
  OUTCOMES,
  ROLES,
  WINDOW_QUANTILES,
  comparedFigures,
  exporterMetrics,
  overBaseline,
  recorded,
  sampleNames,
  sloViolationRatio,
  turnLabel,
  type MetricDefinition,
  type RecordedSeries,
} from '@kvcanary/contract';
import { allExpressions } from '../dashboards/src/queries.js';
import { defaultRuleConfig, type RuleConfig } from '../monitoring/src/config.js';
import { renderRuleFile } from '../monitoring/src/render.js';
import { buildRuleGroups, isAlert } from '../monitoring/src/rules.js';
import { asPromQL, selectors, type Selector } from './support/promql.js';
import { promtool, promtoolOn } from './support/promtool.js';

/** The series the contract says the rules record, for the SLO windows of `config`. */
function contractRecorded(config: RuleConfig): RecordedSeries[] {
  const windows = new Set(config.slo.tiers.flatMap((t) => [t.shortWindow, t.longWindow]));
  return [...Object.values(recorded), ...comparedFigures.map(overBaseline), ...[...windows].map(sloViolationRatio)];
}

const metrics: MetricDefinition[] = Object.values(exporterMetrics);
const rules = buildRuleGroups(defaultRuleConfig).flatMap((g) => g.rules);
const recordedByRules = rules.flatMap((r) => (isAlert(r) ? [] : [r.record]));
/** Prometheus's own series: scrape health and alert state. */
const builtins = ['up', 'ALERTS'];

const expressions = [
  ...rules.map((r) => ({ from: isAlert(r) ? `alert ${r.alert}` : `record ${r.record}`, expr: r.expr })),
  ...allExpressions().map((expr) => ({ from: 'dashboard', expr: asPromQL(expr) })),
];
const selected = (): (Selector & { from: string })[] => expressions.flatMap(({ from, expr }) => selectors(expr).map((s) => ({ ...s, from })));

/** Every value a fixed-value label may take, from the contract; `le` is checked against the histogram's own bounds. */
const fixedValues: Record<string, readonly string[]> = {
  outcome: OUTCOMES,
  role: [...ROLES, NO_ROLE],
  doc_type: DOC_TYPES,
  quantile: WINDOW_QUANTILES.map((q) => q.label),
  turn: Array.from({ length: DEFAULT_TURN_CAP }, (_, i) => turnLabel(i + 1, DEFAULT_TURN_CAP)),
  phase: ENGINE_PHASES,
};

function bucketBoundsOf(series: string): string[] {
  const histogram = metrics.find((m) => m.type === 'histogram' && `${m.name}_bucket` === series);
  return [...(histogram?.buckets ?? []).map(String), '+Inf'];
}

describe('rules and dashboards against the contract', () => {
  it('record exactly the contract recorded series, each once', () => {
    expect([...recordedByRules].sort()).toEqual(contractRecorded(defaultRuleConfig).map((s) => s.name).sort());
  });

  it('read only exporter metrics of the contract, the series the rules record and Prometheus builtins', () => {
    const known = new Set([...metrics.flatMap(sampleNames), ...recordedByRules, ...builtins]);
    for (const { from, series } of selected()) expect({ from, series, known: known.has(series) }).toEqual({ from, series, known: true });
  });

  it('match fixed-value labels only on values the contract defines', () => {
    for (const { from, series, matchers } of selected()) {
      for (const { label, op, value } of matchers.filter((m) => m.op === '=' || m.op === '!=')) {
        const allowed = label === 'le' ? bucketBoundsOf(series) : fixedValues[label];
        if (allowed === undefined) continue;
        expect({ from, matcher: `${label}${op}"${value}"`, allowed: allowed.includes(value) }).toEqual({ from, matcher: `${label}${op}"${value}"`, allowed: true });
      }
    }
  });

  it('never divide lifetime counters: every counter and histogram sample is read through rate() or increase()', () => {
    const counters = new Set(metrics.flatMap((m) => (m.type === 'counter' || m.type === 'histogram' ? sampleNames(m) : [])));
    for (const { from, series, inRateOrIncrease } of selected().filter((s) => counters.has(s.series))) {
      expect({ from, series, inRateOrIncrease }).toEqual({ from, series, inRateOrIncrease: true });
    }
  });
});

/** Label values for series built from the contract: three targets (one per role and one with none). */
const baselineTarget = 'vllm';
const candidateTarget = 'llm-d';
const roleOf: Record<string, string> = { [baselineTarget]: BASELINE, [candidateTarget]: CANDIDATE, spare: NO_ROLE };
const labelValues: Record<string, readonly string[]> = {
  target: Object.keys(roleOf),
  model: ['qwen'],
  turn: [turnLabel(1, DEFAULT_TURN_CAP), turnLabel(2, DEFAULT_TURN_CAP), turnLabel(DEFAULT_TURN_CAP, DEFAULT_TURN_CAP)],
  doc_type: DOC_TYPES,
  outcome: OUTCOMES,
  replica: ['pod-0', 'pod-1'],
  gpu: ['0', '1'],
  phase: ENGINE_PHASES,
  quantile: WINDOW_QUANTILES.map((q) => q.label),
  version: ['0.0.0-test'],
  workload: ['0123456789ab'],
  // Two vantages on every target: the rules must aggregate them into one series per target.
  vantage: ['east', 'west'],
};

type Labels = Record<string, string>;

/** Every combination of the label values above for `labels`; `role` follows `target`. */
function combinations(labels: readonly string[]): Labels[] {
  return labels.reduce<Labels[]>(
    (sets, label) =>
      sets.flatMap((set) => {
        if (label === 'role') return [{ ...set, role: roleOf[set.target ?? ''] ?? NO_ROLE }];
        const values = labelValues[label];
        if (values === undefined) throw new Error(`no test values for label "${label}": add them to labelValues`);
        return values.map((v) => ({ ...set, [label]: v }));
      }),
    [{}],
  );
}

const selector = (name: string, labels: Labels): string =>
  `${name}{${Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;

/** One hour at one sample a minute: counters grow, gauges hold, every bucket from 0.1 s up counts each observation. */
function inputSeries(m: MetricDefinition): { series: string; values: string }[] {
  const grow = '0+1x60';
  return combinations(m.labels).flatMap((labels) => {
    if (m.type === 'counter') return [{ series: selector(m.name, labels), values: grow }];
    if (m.type !== 'histogram') return [{ series: selector(m.name, labels), values: m.unit === 'info' ? '1x60' : '0.5x60' }];
    const buckets = [...(m.buckets ?? []).map((b) => ({ le: String(b), values: b >= 0.1 ? grow : '0x60' })), { le: '+Inf', values: grow }];
    return [
      ...buckets.map((b) => ({ series: selector(`${m.name}_bucket`, { ...labels, le: b.le }), values: b.values })),
      { series: selector(`${m.name}_sum`, labels), values: '0+0.1x60' },
      { series: selector(`${m.name}_count`, labels), values: grow },
    ];
  });
}

/** The samples a recorded series must have on those inputs: one per combination of exactly its contract labels. */
function expectedLabels(series: RecordedSeries): Labels[] {
  const overBaselineNames = new Set(comparedFigures.map((f) => overBaseline(f).name));
  if (overBaselineNames.has(series.name)) return [{ target: candidateTarget, baseline: baselineTarget }];
  return combinations(series.labels);
}

(promtool ? describe : describe.skip)('rules evaluated by promtool on series built from the contract', () => {
  it('give every recorded series exactly the labels the contract declares for it', () => {
    const series = contractRecorded(defaultRuleConfig);
    const test = {
      rule_files: ['rules.yml'],
      evaluation_interval: '1m',
      tests: [
        {
          name: 'labels of every recorded series',
          interval: '1m',
          input_series: metrics.flatMap(inputSeries),
          // The values are the scenario tests' business (monitoring/prometheus/tests); `* 0` keeps the labels and makes each value known.
          promql_expr_test: series.map((s) => ({
            expr: `${s.name} * 0`,
            eval_time: '30m',
            exp_samples: expectedLabels(s).map((labels) => ({ labels: selector('', labels), value: 0 })),
          })),
        },
      ],
    };
    const result = promtoolOn({ 'rules.yml': renderRuleFile(defaultRuleConfig), 'labels.test.yml': test }, ['test', 'rules', 'labels.test.yml']);
    expect(result.output).not.toMatch(/FAILED/);
    expect(result.ok).toBe(true);
  });
});
