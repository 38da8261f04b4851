/**
 * Every PromQL expression the dashboards run, with every series name and fixed label value taken from
 * `@kvcanary/contract`. They read the recording rules of monitoring/src/rules.ts (aggregated across
 * exporters, counters through rate()) or raw exporter metrics with an explicit aggregation, never a
 * lifetime-counter ratio. test/monitoring-dashboards.test.ts parses each one with promtool and checks
 * that every series it names is in the contract.
 */
import { BASELINE, CANDIDATE, SUCCESS, exporterMetrics as m, overBaseline, recorded, type EnginePhase, type FigureId } from '@kvcanary/contract';

/** Target selector for the overview panels (multi-value `$target` is formatted as a regex by Grafana). */
const targets = 'target=~"$target"';
/** Vantage points shown in the per-vantage panels (multi-value, a regex like `$target`). */
const vantages = 'vantage=~"$vantage"';
/** The two targets the comparison panel shows. */
const pair = 'target=~"$baseline|$candidate"';

export const variableQueries = {
  target: `label_values(${m.targetInfo.name}, target)`,
  baseline: `label_values(${m.targetInfo.name}{role="${BASELINE}"}, target)`,
  candidate: `label_values(${m.targetInfo.name}{role="${CANDIDATE}"}, target)`,
  vantage: `label_values(${m.buildInfo.name}, vantage)`,
} as const;

export interface Query {
  expr: string;
  /** For people reading the panel's query editor; nothing depends on it. */
  legend: string;
}

/** `name{selector}` of a metric or recorded series. */
function select(series: { name: string }, selector: string): string {
  return `${series.name}{${selector}}`;
}

/** The replicas' own mean time of one phase, from the recorded per-phase series. */
function enginePhase(phase: EnginePhase, selector: string): string {
  return select(recorded.enginePhaseMean, `${selector}, phase="${phase}"`);
}

/**
 * A per-replica gauge with the copies several exporters (vantage points) expose folded into one: `max`
 * for loads, `avg` for GPU utilisation over a replica's GPUs, `min` for up (down from any vantage point
 * shows as down).
 */
function perReplica(fold: 'max' | 'avg' | 'min', metric: { name: string }, selector: string): string {
  return `${fold} by (target, replica) (${select(metric, selector)})`;
}

/** How much a counter grew over the dashboard's time range, per `by` group. */
function increaseOverRange(metric: { name: string }, by: string): string {
  return `sum by (${by}) (increase(${select(metric, pair)}[$__range]))`;
}

/**
 * The comparison panel's instant queries, one per figure it can show. The dashboard gives each the
 * figure's refId (`panelFigures[id].refId`), which is how the panel places a result that has no
 * `__name__` (an aggregation, `increase`); a named result it places by its name. The Record type makes
 * a figure without a query a compile error.
 */
export const comparisonQueries = {
  ttftP50: { expr: select(recorded.ttftP50, pair), legend: '{{target}} P50' },
  ttftP95: { expr: select(recorded.ttftP95, pair), legend: '{{target}} P95' },
  ttftP99: { expr: select(recorded.ttftP99, pair), legend: '{{target}} P99' },
  cacheSpeedup: { expr: select(recorded.cacheSpeedup, pair), legend: '{{target}} cache speedup' },
  ttftFirstTurn: { expr: select(recorded.ttftMeanFirstTurn, pair), legend: '{{target}} TTFT first turn' },
  ttftLaterTurns: { expr: select(recorded.ttftMeanLaterTurns, pair), legend: '{{target}} TTFT later turns' },
  ttftByTurn: { expr: select(recorded.ttftMeanByTurn, pair), legend: '{{target}} TTFT turn {{turn}}' },
  ttftMean: { expr: select(recorded.ttftMean, pair), legend: '{{target}} TTFT mean' },
  engineTtft: { expr: enginePhase('ttft', pair), legend: '{{target}} engine TTFT' },
  engineQueue: { expr: enginePhase('queue', pair), legend: '{{target}} engine queue' },
  enginePrefill: { expr: enginePhase('prefill', pair), legend: '{{target}} engine prefill' },
  ttftOutsideEngine: { expr: select(recorded.ttftOutsideEngine, pair), legend: '{{target}} outside the engine' },
  requests: { expr: increaseOverRange(m.requests, 'target, outcome'), legend: '{{target}} requests {{outcome}}' },
  promptTokens: { expr: increaseOverRange(m.promptTokens, 'target'), legend: '{{target}} prompt tokens' },
  // Absent for a target that never reported cached tokens: the panel says "not reported" rather than 0 %.
  cachedPromptTokens: { expr: increaseOverRange(m.cachedPromptTokens, 'target'), legend: '{{target}} cached prompt tokens' },
  // Down from any vantage point shows as down; the latest success from any of them counts.
  targetUp: { expr: `min by (target) (${select(m.targetUp, pair)})`, legend: '{{target}} up' },
  lastSuccess: { expr: `max by (target) (${select(m.lastSuccess, pair)})`, legend: '{{target}} last success' },
  replicaHitRatio: { expr: select(recorded.replicaKvHitRatio, pair), legend: '{{target}} {{replica}} KV hit' },
  replicaKvUsage: { expr: perReplica('max', m.replicaKvCacheUsage, pair), legend: '{{target}} {{replica}} KV cache usage' },
  replicaGpu: { expr: perReplica('avg', m.replicaGpuUtilization, pair), legend: '{{target}} {{replica}} GPU' },
  replicaUp: { expr: perReplica('min', m.replicaUp, pair), legend: '{{target}} {{replica}} up' },
  replicaRunning: { expr: perReplica('max', m.replicaRequestsRunning, pair), legend: '{{target}} {{replica}} running' },
  replicaWaiting: { expr: perReplica('max', m.replicaRequestsWaiting, pair), legend: '{{target}} {{replica}} waiting' },
  replicaProbeRequests: { expr: increaseOverRange(m.replicaProbeRequests, 'target, replica'), legend: '{{target}} {{replica}} probes' },
  // Off from any vantage point shows as off.
  replicaPrefixCache: { expr: perReplica('min', m.replicaPrefixCacheEnabled, pair), legend: '{{target}} {{replica}} prefix caching' },
  replicaSchedulerQueue: { expr: perReplica('max', m.replicaSchedulerQueue, pair), legend: '{{target}} {{replica}} queue (endpoint picker)' },
} satisfies Record<FigureId, Query>;

export const overviewQueries = {
  ttftPercentiles: [
    { expr: select(recorded.ttftP50, targets), legend: '{{target}} P50' },
    { expr: select(recorded.ttftP95, targets), legend: '{{target}} P95' },
    { expr: select(recorded.ttftP99, targets), legend: '{{target}} P99' },
  ],
  ttftP95ByVantage: [{ expr: select(recorded.ttftP95ByVantage, `${targets}, ${vantages}`), legend: '{{target}} from {{vantage}}' }],
  ttftByTurn: [{ expr: select(recorded.ttftMeanByTurn, targets), legend: '{{target}} turn {{turn}}' }],
  cacheSpeedup: [{ expr: select(recorded.cacheSpeedup, targets), legend: '{{target}}' }],
  candidateOverBaseline: [
    { expr: overBaseline(recorded.ttftP50).name, legend: '{{target}} / {{baseline}} P50' },
    { expr: overBaseline(recorded.ttftP95).name, legend: '{{target}} / {{baseline}} P95' },
    { expr: overBaseline(recorded.ttftP99).name, legend: '{{target}} / {{baseline}} P99' },
    { expr: overBaseline(recorded.cacheSpeedup).name, legend: '{{target}} / {{baseline}} cache speedup' },
  ],
  ttftSplit: [
    { expr: select(recorded.ttftMean, targets), legend: '{{target}} canary (client)' },
    { expr: enginePhase('ttft', targets), legend: '{{target}} engine (replicas)' },
    { expr: select(recorded.ttftOutsideEngine, targets), legend: '{{target}} outside the engine' },
  ],
  engineInside: [
    { expr: enginePhase('queue', targets), legend: '{{target}} queue' },
    { expr: enginePhase('prefill', targets), legend: '{{target}} prefill' },
    { expr: `sum by (target) (rate(${select(m.replicaPreemptions, targets)}[$__rate_interval]))`, legend: '{{target}} preemptions/s' },
  ],
  replicaKvHit: [{ expr: select(recorded.replicaKvHitRatio, targets), legend: '{{target}} {{replica}}' }],
  replicaKvUsage: [{ expr: perReplica('max', m.replicaKvCacheUsage, targets), legend: '{{target}} {{replica}}' }],
  replicaGpu: [{ expr: perReplica('avg', m.replicaGpuUtilization, targets), legend: '{{target}} {{replica}}' }],
  replicaQueue: [
    { expr: perReplica('max', m.replicaRequestsRunning, targets), legend: '{{target}} {{replica}} running' },
    { expr: perReplica('max', m.replicaRequestsWaiting, targets), legend: '{{target}} {{replica}} waiting' },
    { expr: perReplica('max', m.replicaSchedulerQueue, targets), legend: '{{target}} {{replica}} waiting (endpoint picker)' },
  ],
  errorsByOutcome: [
    {
      expr: `sum by (target, vantage, outcome) (rate(${select(m.requests, `${targets}, ${vantages}, outcome!="${SUCCESS}"`)}[$__rate_interval]))`,
      legend: '{{target}} from {{vantage}}: {{outcome}}',
    },
  ],
  errorRatio: [{ expr: select(recorded.errorRatio, targets), legend: '{{target}}' }],
  alerts: [{ expr: 'max by (alertname, alertstate, severity, target, replica, baseline, reason) (ALERTS{alertname=~"KVCanary.*"})', legend: '' }],
} satisfies Record<string, Query[]>;

/** Every expression above, for the tests. */
export function allExpressions(): string[] {
  return [
    ...Object.values(variableQueries),
    ...Object.values(comparisonQueries).map((q) => q.expr),
    ...Object.values(overviewQueries).flatMap((qs) => qs.map((q) => q.expr)),
  ];
}
