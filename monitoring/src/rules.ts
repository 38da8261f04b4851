/**
 * The kvcanary recording and alert rules, built from a `RuleConfig`. Every metric name, recorded-series
 * name and fixed label value comes from `@kvcanary/contract`, so renaming a metric there renames it here.
 *
 * Every figure that crosses exporters is computed from histogram buckets, sums and counters (which add
 * up across exporter replicas), never from the exporter's window gauges (which do not): see "Aggregatable
 * figures only" in monitoring/README.md.
 */
import {
  BASELINE,
  CANDIDATE,
  DEFAULT_TURN_CAP,
  OUTCOMES,
  SUCCESS,
  comparedFigures,
  exporterMetrics as m,
  histogramSeries,
  overBaseline,
  recorded,
  sloViolationRatio,
  turnLabel,
  type EnginePhase,
  type RecordedSeries,
  type Role,
} from '@kvcanary/contract';
import type { BurnRateTier, Duration, RuleConfig } from './config.js';

export interface RecordingRule {
  record: string;
  expr: string;
}

export interface AlertRule {
  alert: string;
  expr: string;
  for?: Duration;
  labels: { severity: 'critical' | 'warning' } & Record<string, string>;
  annotations: { summary: string; description: string } & Partial<Record<'runbook_url' | 'dashboard_url', string>>;
}

export type Rule = RecordingRule | AlertRule;

export interface RuleGroup {
  name: string;
  interval: Duration;
  rules: Rule[];
}

/** Rounds away binary noise (14.4 * 0.01 = 0.14400000000000002) so the rule file reads as written. */
function num(value: number): string {
  return String(Number(value.toPrecision(6)));
}

/**
 * The labels a recorded series keeps, as a `by (...)` list: the rule aggregates to what the contract says,
 * over every exporter (their `instance`, `pod`, shard) and, unless the series keeps it, every vantage.
 * Every rule aggregates through this one helper.
 */
function labelsOf(series: RecordedSeries): string {
  return series.labels.join(', ');
}

function sumRate(selector: string, window: Duration, into: RecordedSeries): string {
  return `sum by (${labelsOf(into)}) (rate(${selector}[${window}]))`;
}

/** A sample series of the TTFT histogram, with an optional label matcher: `..._sum{turn="1"}`. */
function ttft(part: 'bucket' | 'sum' | 'count', matcher = ''): string {
  return histogramSeries(m.ttft, part) + matcher;
}

/** The label value of first turns: every later turn, capped or not, has another. */
const firstTurn = turnLabel(1, DEFAULT_TURN_CAP);

/** The engine phase that the split subtracts: the replicas' own TTFT. */
const enginePhaseTtft: EnginePhase = 'ttft';

/** Every outcome but success, as a reader lists them: `a, b and c` (the scenario tests expect the same words). */
export function failureOutcomes(): string {
  const failures = OUTCOMES.filter((o) => o !== SUCCESS);
  return `${failures.slice(0, -1).join(', ')} and ${failures.at(-1) ?? ''}`;
}

/**
 * Candidate figure divided by the baseline's. Roles come from the exporter's `exporterMetrics.targetInfo`
 * gauge (`target`, `role`, value 1); `max by` folds the copies several exporters expose. The result keeps
 * the candidate's `target` and names the baseline in a `baseline` label. One baseline per evaluation
 * scope: a second one makes the `group_left` ambiguous and the rule fails visibly instead of picking one
 * silently.
 */
function candidateOverBaseline(figure: RecordedSeries): string {
  const ofRole = (role: Role): string =>
    `${figure.name} and on (target) max by (target) (${m.targetInfo.name}{role="${role}"})`;
  return (
    `(${ofRole(CANDIDATE)})\n` +
    `/ on () group_left (baseline)\n` +
    `max by (baseline) (label_replace(${ofRole(BASELINE)}, "baseline", "$1", "target", "(.*)"))`
  );
}

function recordingRules(c: RuleConfig): RecordingRule[] {
  const w = c.figureWindow;
  const quantile = (q: number, into: RecordedSeries): RecordingRule => ({
    record: into.name,
    expr: `histogram_quantile(${q}, sum by (le, ${labelsOf(into)}) (rate(${ttft('bucket')}[${w}])))`,
  });
  const meanTtft = (into: RecordedSeries, matcher = ''): RecordingRule => ({
    record: into.name,
    expr: `${sumRate(ttft('sum', matcher), w, into)}\n/ ${sumRate(ttft('count', matcher), w, into)}`,
  });
  const allRequests = sumRate(m.requests.name, w, recorded.errorRatio);
  const hitRatio = (into: RecordedSeries): RecordingRule => ({
    record: into.name,
    expr: `${sumRate(m.replicaPrefixCacheHits.name, w, into)}\n/ (${sumRate(m.replicaPrefixCacheQueries.name, w, into)} > 0)`,
  });
  const gaugeAverage = (into: RecordedSeries, metric: string): RecordingRule => ({
    record: into.name,
    expr: `avg by (${labelsOf(into)}) (avg_over_time(${metric}[${c.replicaImbalance.window}]))`,
  });

  // Both sides of the split over the same window; `> 0` keeps a target whose replicas served nothing out instead of NaN.
  const enginePhaseMean: RecordingRule = {
    record: recorded.enginePhaseMean.name,
    expr: `${sumRate(m.replicaEnginePhaseSeconds.name, w, recorded.enginePhaseMean)}\n/ (${sumRate(m.replicaEnginePhaseRequests.name, w, recorded.enginePhaseMean)} > 0)`,
  };
  const ttftOutsideEngine: RecordingRule = {
    record: recorded.ttftOutsideEngine.name,
    expr: `${recorded.ttftMean.name}\n- on (target)\n${recorded.enginePhaseMean.name}{phase="${enginePhaseTtft}"}`,
  };

  const rules: RecordingRule[] = [
    quantile(0.5, recorded.ttftP50),
    quantile(0.95, recorded.ttftP95),
    quantile(0.95, recorded.ttftP95ByVantage),
    quantile(0.99, recorded.ttftP99),
    meanTtft(recorded.ttftMeanByTurn),
    meanTtft(recorded.ttftMeanFirstTurn, `{turn="${firstTurn}"}`),
    meanTtft(recorded.ttftMeanLaterTurns, `{turn!="${firstTurn}"}`),
    meanTtft(recorded.ttftMean),
    enginePhaseMean,
    ttftOutsideEngine,
    { record: recorded.cacheSpeedup.name, expr: `${recorded.ttftMeanFirstTurn.name}\n/ ${recorded.ttftMeanLaterTurns.name}` },
    { record: recorded.requestRate.name, expr: sumRate(m.requests.name, w, recorded.requestRate) },
    {
      // A target with no failure yet has no outcome!="success" series at all: `or ... * 0` makes its ratio 0, not absent.
      record: recorded.errorRatio.name,
      expr: `(\n  ${sumRate(`${m.requests.name}{outcome!="${SUCCESS}"}`, w, recorded.errorRatio)}\n  or ${allRequests} * 0\n)\n/ ${allRequests}`,
    },
    // Rates of the counters, never lifetime totals (the reference dashboard's flaw); `> 0` keeps idle replicas out instead of NaN.
    hitRatio(recorded.replicaKvHitRatio),
    hitRatio(recorded.targetKvHitRatio),
    gaugeAverage(recorded.replicaKvUsage, m.replicaKvCacheUsage.name),
    gaugeAverage(recorded.replicaGpuUtilization, m.replicaGpuUtilization.name),
  ];
  for (const figure of comparedFigures) rules.push({ record: overBaseline(figure).name, expr: candidateOverBaseline(figure) });
  return rules;
}

function sloWindows(tiers: BurnRateTier[]): Duration[] {
  const windows = new Set<Duration>();
  for (const t of tiers) {
    windows.add(t.shortWindow);
    windows.add(t.longWindow);
  }
  return [...windows];
}

/**
 * The `le` label value of the SLO's bucket. A threshold between bounds would select no bucket series and
 * the burn rate would read 100% violations, so it must be one of the TTFT histogram's bounds.
 */
function sloBucket(c: RuleConfig): string {
  const bounds = (m.ttft.buckets ?? []).map(String);
  if (!bounds.includes(c.slo.ttftBucket)) {
    throw new Error(`slo.ttftBucket "${c.slo.ttftBucket}" is not a bucket bound of ${m.ttft.name} (${bounds.join(', ')})`);
  }
  return c.slo.ttftBucket;
}

function sloRecordingRules(c: RuleConfig): RecordingRule[] {
  const le = sloBucket(c);
  return sloWindows(c.slo.tiers).map((w) => {
    const into = sloViolationRatio(w);
    return {
      record: into.name,
      expr:
        `1 - (\n  ${sumRate(ttft('bucket', `{le="${le}"}`), w, into)}\n` +
        `  / ${sumRate(ttft('count'), w, into)}\n)`,
    };
  });
}

/** `{{ query }}` of one recorded series for the alert's target, humanised; empty when it has no value. */
function figureOf(series: RecordedSeries, format: 'humanizeDuration' | 'humanize' | 'humanizePercentage'): string {
  return `{{ with printf "${series.name}{target=%q}" $labels.target | query }}{{ . | first | value | ${format} }}{{ end }}`;
}

/**
 * How many workloads (the `workload` label of the exporter's target info) each target ran from the
 * start of the reference window, `offset + referenceWindow` ago, until now: two P95s of different
 * workloads (another corpus, other prompts, turns or max tokens) measure different work, so the
 * regression alert compares only when this is 1. Written as the union of two ranges, so no duration
 * arithmetic is needed.
 */
function workloadsSince(offset: Duration, referenceWindow: Duration): string {
  const info = m.targetInfo.name;
  return (
    `count by (target) (count by (target, workload) (\n` +
    `  max_over_time(${info}[${offset}]) or max_over_time(${info}[${referenceWindow}] offset ${offset})\n` +
    `))`
  );
}

/**
 * `and` the target finished at least `minProbeRequests` probe requests (any outcome) in `window`: a
 * latency or ratio figure of a quiet or just-restarted target rests on a handful of samples, and must
 * not page. `on` lists the label that names the target in the alert's result.
 */
function enoughProbes(c: RuleConfig, window: Duration, on: 'target' | 'baseline' = 'target'): string {
  const count = `sum by (target) (increase(${m.requests.name}[${window}]))`;
  const named = on === 'target' ? count : `label_replace(${count}, "baseline", "$1", "target", "(.*)")`;
  return `\nand on (${on})\n${named} >= ${num(c.minProbeRequests)}`;
}

function alertRules(c: RuleConfig): AlertRule[] {
  const r = c.ttftRegression;
  const budget = 1 - c.slo.objective;
  const burnAlerts: AlertRule[] = c.slo.tiers.map((t) => ({
    alert: 'KVCanaryTTFTSLOBurnRate',
    expr:
      `${sloViolationRatio(t.longWindow).name} > ${num(t.burnRate * budget)}\n` +
      `and on (target)\n${sloViolationRatio(t.shortWindow).name} > ${num(t.burnRate * budget)}` +
      enoughProbes(c, t.shortWindow),
    for: t.for,
    labels: { severity: t.kind === 'page' ? 'critical' : 'warning', tier: `${t.longWindow}-${t.shortWindow}` },
    annotations: {
      summary: `{{ $labels.target }} burns its TTFT error budget ${num(t.burnRate)}x too fast (${t.longWindow} and ${t.shortWindow})`,
      description:
        `{{ $value | humanizePercentage }} of probes to {{ $labels.target }} waited more than ${c.slo.ttftBucket}s for the first token over the last ${t.longWindow} ` +
        `(objective ${num(c.slo.objective * 100)}% within ${c.slo.ttftBucket}s, so the budget is ${num(budget * 100)}%; this tier fires at ${num(t.burnRate)}x budget ` +
        `over both ${t.longWindow} and ${t.shortWindow}). Check the TTFT-by-turn and per-replica panels: later turns slowing means lost cache locality ` +
        `(router, evictions), all turns slowing means load or queueing (running/waiting requests, GPU utilisation).`,
    },
  }));

  return [
    {
      alert: 'KVCanaryTTFTP95Regression',
      expr:
        `${recorded.ttftP95.name}\n/ avg_over_time(${recorded.ttftP95.name}[${r.referenceWindow}] offset ${r.offset})\n> ${num(r.factor)}\n` +
        `and on (target)\n${recorded.ttftP95.name} > ${num(r.floorSeconds)}\n` +
        `unless on (target)\n${workloadsSince(r.offset, r.referenceWindow)} > 1` +
        enoughProbes(c, c.figureWindow),
      for: r.for,
      labels: { severity: 'warning' },
      annotations: {
        summary: `{{ $labels.target }} P95 TTFT is {{ $value | humanize }}x its level ${r.offset} ago`,
        description:
          `P95 time to first token of {{ $labels.target }} is ${figureOf(recorded.ttftP95, 'humanizeDuration')} over the last ${c.figureWindow}, ` +
          `{{ $value | humanize }}x its ${r.referenceWindow} average ${r.offset} earlier (threshold ${num(r.factor)}x and above ${num(r.floorSeconds)}s, for ${r.for}). ` +
          `Check what changed since then: routing policy (prefix-aware vs round-robin), replica count or restarts (cold caches), ` +
          `KV-cache usage and evictions, queueing (waiting requests) and the per-replica hit ratio.`,
      },
    },
    ...burnAlerts,
    {
      alert: 'KVCanaryCandidateSlowerThanBaseline',
      expr:
        `${overBaseline(recorded.ttftP95).name} > ${num(c.candidateVsBaseline.maxRatio)}` +
        enoughProbes(c, c.figureWindow) +
        enoughProbes(c, c.figureWindow, 'baseline'),
      for: c.candidateVsBaseline.for,
      labels: { severity: 'warning' },
      annotations: {
        summary: `Candidate {{ $labels.target }} P95 TTFT is {{ $value | humanize }}x baseline {{ $labels.baseline }}'s`,
        description:
          `P95 TTFT of candidate {{ $labels.target }} is ${figureOf(recorded.ttftP95, 'humanizeDuration')}, {{ $value | humanize }}x that of baseline ` +
          `{{ $labels.baseline }} on the same conversations (threshold ${num(c.candidateVsBaseline.maxRatio)}x for ${c.candidateVsBaseline.for}). ` +
          `Check the two side by side in the kvcanary comparison panel: cache speedup and per-replica KV hit ratio show whether the candidate loses ` +
          `cache locality; first-turn TTFT shows whether it is slower at prefill itself.`,
      },
    },
    {
      alert: 'KVCanaryCacheSpeedupCollapsed',
      expr: `${recorded.cacheSpeedup.name} < ${num(c.cacheSpeedup.min)}\nand on (target)\n${ofRoles(c.cacheSpeedup.roles)}` + enoughProbes(c, c.figureWindow),
      for: c.cacheSpeedup.for,
      labels: { severity: 'warning' },
      annotations: {
        summary: `{{ $labels.target }} cache speedup fell to {{ $value | humanize }}x`,
        description:
          `Turn-1 mean TTFT of {{ $labels.target }} (${figureOf(recorded.ttftMeanFirstTurn, 'humanizeDuration')}) is only {{ $value | humanize }}x its ` +
          `later-turn mean (${figureOf(recorded.ttftMeanLaterTurns, 'humanizeDuration')}) over ${c.figureWindow}; below ${num(c.cacheSpeedup.min)}x for ` +
          `${c.cacheSpeedup.for}. Later turns resend the conversation, so they should hit the prefix cache. Check that the router is ` +
          `prefix-aware (a Service round-robins, which spreads a conversation over replicas), the per-replica KV hit ratio, ` +
          `KV-cache usage near 1 (evictions) and that prefix caching is enabled on the servers.`,
      },
    },
    {
      alert: 'KVCanaryReplicaKVHitRateLow',
      expr: `${recorded.replicaKvHitRatio.name} < ${num(c.replicaKvHit.min)}`,
      for: c.replicaKvHit.for,
      labels: { severity: 'warning' },
      annotations: {
        summary: `Replica {{ $labels.replica }} of {{ $labels.target }} hits its prefix cache for {{ $value | humanizePercentage }} of tokens`,
        description:
          `Prefix-cache hit ratio of replica {{ $labels.replica }} ({{ $labels.target }}) is {{ $value | humanizePercentage }} over ${c.figureWindow} ` +
          `(from the rate of its hit and query counters), below ${num(c.replicaKvHit.min * 100)}% for ${c.replicaKvHit.for}. Check its KV-cache usage ` +
          `(full caches evict), whether requests for one conversation are spread across replicas (routing), and whether the replica restarted.`,
      },
    },
    ...(['kv_cache', 'gpu'] as const).map(
      (resource): AlertRule => {
        const series = resource === 'gpu' ? recorded.replicaGpuUtilization : recorded.replicaKvUsage;
        const what = resource === 'gpu' ? 'GPU utilisation' : 'KV-cache usage';
        return {
          alert: 'KVCanaryReplicaImbalance',
          expr:
            `abs(${series.name} - on (target) group_left () avg by (target) (${series.name}))\n> ${num(c.replicaImbalance.maxDeviation)}\n` +
            `and on (target)\ncount by (target) (${series.name}) > 1`,
          for: c.replicaImbalance.for,
          labels: { severity: 'warning', resource },
          annotations: {
            summary: `Replica {{ $labels.replica }} of {{ $labels.target }} is {{ $value | humanizePercentage }} away from its peers' ${what}`,
            description:
              `${what} of replica {{ $labels.replica }} ({{ $labels.target }}, ${c.replicaImbalance.window} average ` +
              `${figureOfReplica(series)}) is {{ $value | humanizePercentage }} away from the mean over its target's replicas ` +
              `(threshold ${num(c.replicaImbalance.maxDeviation * 100)} points for ${c.replicaImbalance.for}). A router that sticks too hard to ` +
              `cached prefixes overloads one replica; a stuck or restarted replica idles. Check the router's policy and the replica's ` +
              `running and waiting requests.`,
          },
        };
      },
    ),
    {
      alert: 'KVCanaryProbeFailing',
      expr: `${recorded.errorRatio.name} > ${num(c.probeFailing.maxErrorRatio)}` + enoughProbes(c, c.figureWindow),
      for: c.probeFailing.for,
      labels: { severity: 'critical' },
      annotations: {
        summary: `{{ $value | humanizePercentage }} of probes to {{ $labels.target }} fail`,
        description:
          `{{ $value | humanizePercentage }} of canary requests to {{ $labels.target }} did not succeed over ${c.figureWindow} ` +
          `(threshold ${num(c.probeFailing.maxErrorRatio * 100)}% for ${c.probeFailing.for}). The "errors by outcome" panel splits ${failureOutcomes()}; ` +
          `check the exporter's log for the target, the servers' health and the API key.`,
      },
    },
    {
      alert: 'KVCanaryProbeAbsent',
      // Per vantage: one exporter stuck on a target is news even while another vantage still probes it.
      expr:
        `max by (target, vantage) (${m.targetUp.name})\nunless on (target, vantage)\n` +
        `sum by (target, vantage) (increase(${m.requests.name}[${c.probeAbsent.window}])) > 0`,
      for: c.probeAbsent.for,
      labels: { severity: 'warning', reason: 'no_probes' },
      annotations: {
        summary: 'No probe to {{ $labels.target }} finished in ' + c.probeAbsent.window,
        description:
          `The exporter knows target {{ $labels.target }} but recorded no finished canary request for it in ${c.probeAbsent.window} ` +
          `(for ${c.probeAbsent.for}), so every figure for it is stale. Check the exporter's schedule (pace, parallel), requests stuck ` +
          `without a timeout, and the exporter's log.`,
      },
    },
  ];
}

/** Alerts about the exporter itself rather than one target: `up` carries the scrape's own labels, namespace included. */
function exporterAlerts(c: RuleConfig): AlertRule[] {
  return [
    {
      alert: 'KVCanaryProbeAbsent',
      expr: `up{${c.exporterJobMatcher}} == 0`,
      for: c.probeAbsent.for,
      labels: { severity: 'warning', reason: 'exporter_down' },
      annotations: {
        summary: 'kvcanary exporter {{ $labels.instance }} is down',
        description:
          `Prometheus cannot scrape the kvcanary exporter {{ $labels.instance }} (job {{ $labels.job }}) for ${c.probeAbsent.for}: no canary ` +
          `figures are being collected. Check the exporter pod (crash loop, config error in its log) and its Service/ServiceMonitor.`,
      },
    },
    {
      alert: 'KVCanaryProbeAbsent',
      expr: `absent(${m.buildInfo.name})`,
      for: c.probeAbsent.for,
      labels: { severity: 'warning', reason: 'no_exporter' },
      annotations: {
        summary: 'No kvcanary exporter is scraped',
        description:
          `No series ${m.buildInfo.name} for ${c.probeAbsent.for}: Prometheus scrapes no kvcanary exporter at all. Check the ServiceMonitor or ` +
          `PodMonitor selectors (the kube-prometheus-stack "release" label, OpenShift user-workload monitoring) or the scrape config.`,
      },
    },
  ];
}

function figureOfReplica(series: RecordedSeries): string {
  return `{{ with printf "${series.name}{target=%q,replica=%q}" $labels.target $labels.replica | query }}{{ . | first | value | humanizePercentage }}{{ end }}`;
}

/*
 * Reaching and guiding a person: what every alert carries besides its figures.
 */

/** The target info of targets whose role is one of `roles` (`none`: no role), one series per target. */
function ofRoles(roles: readonly string[]): string {
  return `max by (target) (${m.targetInfo.name}{role=~"${roles.join('|')}"})`;
}

/**
 * Adds the `namespace` label of the exporter that probes the target. Routing by namespace (an
 * AlertmanagerConfig of kube-prometheus-stack matches on it) needs it, and the recorded series lose it
 * by summing over exporters; it is joined here from the exporter's target info, which carries the
 * scrape's labels and exists for every configured target from start-up. The recorded series stay as
 * the contract declares them (the dashboards and the panel read them). The value is multiplied by 1,
 * so `$value` is unchanged. A target name probed from two namespaces makes the join ambiguous and the
 * rule fails visibly, as the baseline comparison does with two baselines.
 */
function withNamespace(expr: string): string {
  return `(\n${expr}\n)\n* on (target) group_left (namespace)\nmax by (target, namespace) (${m.targetInfo.name})`;
}

/** The heading anchor of an alert's section in docs/alert-runbook.md, whose headings are the alert names. */
export function runbookAnchor(alert: string): string {
  return alert.toLowerCase();
}

/**
 * The runbook section and the overview dashboard, showing the alert's target (and for a comparison,
 * its baseline and candidate) when it has one.
 */
function withLinks(c: RuleConfig, rule: AlertRule): AlertRule {
  const dashboard =
    c.links.dashboardUrl.replace('{uid}', c.links.dashboardUid) +
    '{{ with $labels.target }}?var-target={{ . | urlquery }}{{ end }}' +
    '{{ with $labels.baseline }}&var-baseline={{ . | urlquery }}&var-candidate={{ $labels.target | urlquery }}{{ end }}';
  return {
    ...rule,
    annotations: { ...rule.annotations, runbook_url: c.links.runbookUrl.replace('{anchor}', runbookAnchor(rule.alert)), dashboard_url: dashboard },
  };
}

function targetAlert(c: RuleConfig, rule: AlertRule): AlertRule {
  return withLinks(c, { ...rule, expr: withNamespace(rule.expr) });
}

/**
 * The whole rule file, as one group on purpose: rules in a group run in order, so every alert reads the
 * recorded series of the same evaluation. Across groups the order is not defined (promtool even shuffles
 * it), which would make an alert's figures lag by an interval, or not, at random.
 */
export function buildRuleGroups(c: RuleConfig): RuleGroup[] {
  const alerts = [...alertRules(c).map((r) => targetAlert(c, r)), ...exporterAlerts(c).map((r) => withLinks(c, r))];
  return [{ name: 'kvcanary', interval: c.evaluationInterval, rules: [...recordingRules(c), ...sloRecordingRules(c), ...alerts] }];
}

export function isAlert(rule: Rule): rule is AlertRule {
  return 'alert' in rule;
}
