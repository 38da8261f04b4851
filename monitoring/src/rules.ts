/**
 * The kvcanary recording and alert rules, built from a `RuleConfig`.
 *
 * Every figure that crosses exporters is computed from histogram buckets, sums and counters (which add
 * up across exporter replicas), never from the exporter's window gauges (which do not): see design 3.5.
 */
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
  annotations: { summary: string; description: string };
}

export type Rule = RecordingRule | AlertRule;

export interface RuleGroup {
  name: string;
  interval: Duration;
  rules: Rule[];
}

/**
 * Names of the recorded series the dashboards read. They carry no window on purpose: the window is a
 * tunable (`figureWindow`), and a change there must not rename series under every dashboard.
 */
export const recorded = {
  ttftP50: 'target:kvcanary_ttft_seconds:p50',
  ttftP95: 'target:kvcanary_ttft_seconds:p95',
  ttftP99: 'target:kvcanary_ttft_seconds:p99',
  ttftMeanByTurn: 'target_turn:kvcanary_ttft_seconds:mean',
  ttftMeanFirstTurn: 'target:kvcanary_ttft_seconds:mean_first_turn',
  ttftMeanLaterTurns: 'target:kvcanary_ttft_seconds:mean_later_turns',
  cacheSpeedup: 'target:kvcanary_cache_speedup:ratio',
  requestRate: 'target:kvcanary_requests:rate',
  errorRatio: 'target:kvcanary_requests:error_ratio',
  replicaKvHitRatio: 'target_replica:kvcanary_replica_prefix_cache_hits:ratio',
  targetKvHitRatio: 'target:kvcanary_replica_prefix_cache_hits:ratio',
  replicaKvUsage: 'target_replica:kvcanary_replica_kv_cache_usage_ratio:avg',
  replicaGpuUtilization: 'target_replica:kvcanary_replica_gpu_utilization_ratio:avg',
} as const;

/** The target-level figures that also get a candidate/baseline ratio (`<name>_over_baseline`). */
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

export function overBaseline(figure: string): string {
  return `${figure}_over_baseline`;
}

/** Recorded share of probes slower than the SLO bucket, over one burn-rate window. */
export function sloViolationRatio(window: Duration): string {
  return `target:kvcanary_ttft_seconds:slo_violation_ratio_rate${window}`;
}

/** Rounds away binary noise (14.4 * 0.01 = 0.14400000000000002) so the rule file reads as written. */
function num(value: number): string {
  return String(Number(value.toPrecision(6)));
}

function sumRate(selector: string, window: Duration, by: string): string {
  return `sum by (${by}) (rate(${selector}[${window}]))`;
}

/**
 * Candidate figure divided by the baseline's. Roles come from the exporter's `kvcanary_target_info{target, role}`
 * (value 1); `max by` folds the copies several exporters expose. The result keeps the candidate's
 * `target` and names the baseline in a `baseline` label. One baseline per evaluation scope: a second one
 * makes the `group_left` ambiguous and the rule fails visibly instead of picking one silently.
 */
function candidateOverBaseline(figure: string): string {
  const ofRole = (role: string): string =>
    `${figure} and on (target) max by (target) (kvcanary_target_info{role="${role}"})`;
  return (
    `(${ofRole('candidate')})\n` +
    `/ on () group_left (baseline)\n` +
    `max by (baseline) (label_replace(${ofRole('baseline')}, "baseline", "$1", "target", "(.*)"))`
  );
}

function recordingRules(c: RuleConfig): RecordingRule[] {
  const w = c.figureWindow;
  const quantile = (q: number): string =>
    `histogram_quantile(${q}, sum by (le, target) (rate(kvcanary_ttft_seconds_bucket[${w}])))`;
  const meanOfTurns = (turn: string): string =>
    `${sumRate(`kvcanary_ttft_seconds_sum{${turn}}`, w, 'target')}\n/ ${sumRate(`kvcanary_ttft_seconds_count{${turn}}`, w, 'target')}`;
  const allRequests = sumRate('kvcanary_requests_total', w, 'target');
  const replicaRatio = (by: string): string =>
    `${sumRate('kvcanary_replica_prefix_cache_hits_total', w, by)}\n/ (${sumRate('kvcanary_replica_prefix_cache_queries_total', w, by)} > 0)`;
  const gauge = (metric: string, window: Duration): string =>
    `avg by (target, replica) (avg_over_time(${metric}[${window}]))`;

  const rules: RecordingRule[] = [
    { record: recorded.ttftP50, expr: quantile(0.5) },
    { record: recorded.ttftP95, expr: quantile(0.95) },
    { record: recorded.ttftP99, expr: quantile(0.99) },
    {
      record: recorded.ttftMeanByTurn,
      expr: `${sumRate('kvcanary_ttft_seconds_sum', w, 'target, turn')}\n/ ${sumRate('kvcanary_ttft_seconds_count', w, 'target, turn')}`,
    },
    { record: recorded.ttftMeanFirstTurn, expr: meanOfTurns('turn="1"') },
    { record: recorded.ttftMeanLaterTurns, expr: meanOfTurns('turn!="1"') },
    { record: recorded.cacheSpeedup, expr: `${recorded.ttftMeanFirstTurn}\n/ ${recorded.ttftMeanLaterTurns}` },
    { record: recorded.requestRate, expr: allRequests },
    {
      // A target with no failure yet has no outcome!="success" series at all: `or ... * 0` makes its ratio 0, not absent.
      record: recorded.errorRatio,
      expr: `(\n  ${sumRate('kvcanary_requests_total{outcome!="success"}', w, 'target')}\n  or ${allRequests} * 0\n)\n/ ${allRequests}`,
    },
    // Rates of the counters, never lifetime totals (the reference dashboard's flaw); `> 0` keeps idle replicas out instead of NaN.
    { record: recorded.replicaKvHitRatio, expr: replicaRatio('target, replica') },
    { record: recorded.targetKvHitRatio, expr: replicaRatio('target') },
    { record: recorded.replicaKvUsage, expr: gauge('kvcanary_replica_kv_cache_usage_ratio', c.replicaImbalance.window) },
    { record: recorded.replicaGpuUtilization, expr: gauge('kvcanary_replica_gpu_utilization_ratio', c.replicaImbalance.window) },
  ];
  for (const figure of comparedFigures) rules.push({ record: overBaseline(figure), expr: candidateOverBaseline(figure) });
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

function sloRecordingRules(c: RuleConfig): RecordingRule[] {
  return sloWindows(c.slo.tiers).map((w) => ({
    record: sloViolationRatio(w),
    expr:
      `1 - (\n  ${sumRate(`kvcanary_ttft_seconds_bucket{le="${c.slo.ttftBucket}"}`, w, 'target')}\n` +
      `  / ${sumRate('kvcanary_ttft_seconds_count', w, 'target')}\n)`,
  }));
}

/** `{{ query }}` of one recorded series for the alert's target, humanised; empty when it has no value. */
function figureOf(series: string, format: 'humanizeDuration' | 'humanize' | 'humanizePercentage'): string {
  return `{{ with printf "${series}{target=%q}" $labels.target | query }}{{ . | first | value | ${format} }}{{ end }}`;
}

function alertRules(c: RuleConfig): AlertRule[] {
  const r = c.ttftRegression;
  const budget = 1 - c.slo.objective;
  const burnAlerts: AlertRule[] = c.slo.tiers.map((t) => ({
    alert: 'KVCanaryTTFTSLOBurnRate',
    expr:
      `${sloViolationRatio(t.longWindow)} > ${num(t.burnRate * budget)}\n` +
      `and on (target)\n${sloViolationRatio(t.shortWindow)} > ${num(t.burnRate * budget)}`,
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
        `${recorded.ttftP95}\n/ avg_over_time(${recorded.ttftP95}[${r.referenceWindow}] offset ${r.offset})\n> ${num(r.factor)}\n` +
        `and on (target)\n${recorded.ttftP95} > ${num(r.floorSeconds)}`,
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
      expr: `${overBaseline(recorded.ttftP95)} > ${num(c.candidateVsBaseline.maxRatio)}`,
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
      expr: `${recorded.cacheSpeedup} < ${num(c.cacheSpeedup.min)}`,
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
      expr: `${recorded.replicaKvHitRatio} < ${num(c.replicaKvHit.min)}`,
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
            `abs(${series} - on (target) group_left () avg by (target) (${series}))\n> ${num(c.replicaImbalance.maxDeviation)}\n` +
            `and on (target)\ncount by (target) (${series}) > 1`,
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
      expr: `${recorded.errorRatio} > ${num(c.probeFailing.maxErrorRatio)}`,
      for: c.probeFailing.for,
      labels: { severity: 'critical' },
      annotations: {
        summary: `{{ $value | humanizePercentage }} of probes to {{ $labels.target }} fail`,
        description:
          `{{ $value | humanizePercentage }} of canary requests to {{ $labels.target }} did not succeed over ${c.figureWindow} ` +
          `(threshold ${num(c.probeFailing.maxErrorRatio * 100)}% for ${c.probeFailing.for}). The "errors by outcome" panel splits http_error, timeout, ` +
          `connect_error, stream_error and empty_response; check the exporter's log for the target, the servers' health and the API key.`,
      },
    },
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
      expr: 'absent(kvcanary_build_info)',
      for: c.probeAbsent.for,
      labels: { severity: 'warning', reason: 'no_exporter' },
      annotations: {
        summary: 'No kvcanary exporter is scraped',
        description:
          `No series kvcanary_build_info for ${c.probeAbsent.for}: Prometheus scrapes no kvcanary exporter at all. Check the ServiceMonitor or ` +
          `PodMonitor selectors (the kube-prometheus-stack "release" label, OpenShift user-workload monitoring) or the scrape config.`,
      },
    },
    {
      alert: 'KVCanaryProbeAbsent',
      expr:
        `max by (target) (kvcanary_target_up)\nunless on (target)\n` +
        `sum by (target) (increase(kvcanary_requests_total[${c.probeAbsent.window}])) > 0`,
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

function figureOfReplica(series: string): string {
  return `{{ with printf "${series}{target=%q,replica=%q}" $labels.target $labels.replica | query }}{{ . | first | value | humanizePercentage }}{{ end }}`;
}

/**
 * The whole rule file, as one group on purpose: rules in a group run in order, so every alert reads the
 * recorded series of the same evaluation. Across groups the order is not defined (promtool even shuffles
 * it), which would make an alert's figures lag by an interval, or not, at random.
 */
export function buildRuleGroups(c: RuleConfig): RuleGroup[] {
  return [{ name: 'kvcanary', interval: c.evaluationInterval, rules: [...recordingRules(c), ...sloRecordingRules(c), ...alertRules(c)] }];
}

export function isAlert(rule: Rule): rule is AlertRule {
  return 'alert' in rule;
}
