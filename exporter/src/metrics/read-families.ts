import { ENGINE_PHASES, WINDOW_QUANTILES, exporterMetrics as m, type MetricDefinition } from '@kvcanary/contract';
import type { SchedulerView } from '@kvcanary/contract/schemas';
import type { ReplicaSnapshot } from '../replicas/index.js';
import type { Emit, RenderSnapshot, Rows } from './read-family.js';

/**
 * Every family read from its source at scrape time, in the order they are served, with how each
 * series comes out of one render's snapshot. A series whose subject is gone is simply not there.
 */
export function readFamilies(): [MetricDefinition, Rows][] {
  return [
    // P50/P95/P99 over the sliding window: the reference tool's percentiles (stats/percentile.ts,
    // referencePercentile), the figures bench prints and /api/v1/summary shows. A summary of quantiles
    // only, no _sum/_count: a window's sum is not a counter.
    [
      m.ttftWindow,
      (s, emit) => {
        for (const w of s.windows) if (w.ttft) for (const q of WINDOW_QUANTILES) emit(w.ttft[q.field] / 1000, w.target, q.label);
      },
    ],
    [
      m.ttftTurnWindow,
      (s, emit) => {
        for (const w of s.windows) for (const t of w.byTurn) emit(t.meanMs / 1000, w.target, t.key);
      },
    ],
    [
      m.cacheSpeedup,
      (s, emit) => {
        for (const w of s.windows) if (w.cacheSpeedup !== null) emit(w.cacheSpeedup, w.target);
      },
    ],
    [
      m.turnAffinity,
      (s, emit) => {
        for (const w of s.windows) if (w.turnAffinity !== null) emit(w.turnAffinity, w.target);
      },
    ],
    figure(m.replicaUp, (r) => (r.figures.up ? 1 : 0)),
    figure(m.replicaPrefixCacheHitRatio, (r) => r.figures.prefixCacheHitRatio),
    figure(m.replicaKvCacheUsage, (r) => r.figures.kvCacheUsage),
    figure(m.replicaRequestsRunning, (r) => r.figures.running),
    figure(m.replicaRequestsWaiting, (r) => r.figures.waiting),
    [
      m.replicaGpuUtilization,
      perReplica((emit, target, r) => {
        for (const { gpu, utilization } of r.gpus) emit(utilization, target, r.figures.name, gpu);
      }),
    ],
    figure(m.replicaPrefixCacheEnabled, (r) => (r.figures.prefixCache === 'unknown' ? null : r.figures.prefixCache === 'enabled' ? 1 : 0)),
    figure(m.replicaSchedulerQueue, (r) => r.figures.schedulerQueue),
    // Counters exist only for replicas whose page has them: a 0 would read as "no hits", not "not reported".
    figure(m.replicaPrefixCacheHits, (r) => r.prefixCacheCounters?.hits ?? null),
    figure(m.replicaPrefixCacheQueries, (r) => r.prefixCacheCounters?.queries ?? null),
    perPhase(m.replicaEnginePhaseSeconds, 'seconds'),
    perPhase(m.replicaEnginePhaseRequests, 'requests'),
    figure(m.replicaPreemptions, (r) => r.preemptions),
    [
      m.replicaProbeRequests,
      (s, emit) => {
        for (const t of s.replicas) for (const [replica, n] of t.probeRequests) emit(n, t.target, replica);
      },
    ],
    scheduler(m.schedulerUp, (v) => (v.up ? 1 : 0)),
    scheduler(m.schedulerKvCacheUsage, (v) => v.kvCacheUsage),
    scheduler(m.schedulerAverageQueue, (v) => v.averageQueueSize),
    scheduler(m.schedulerRequestsRunning, (v) => v.requestsRunning),
  ];
}

function perReplica(each: (emit: Emit, target: string, r: ReplicaSnapshot) => void): Rows {
  return (s, emit) => {
    for (const t of s.replicas) for (const r of t.replicas) each(emit, t.target, r);
  };
}

/** One series per replica that has the figure. */
function figure(definition: MetricDefinition, value: (r: ReplicaSnapshot) => number | null): [MetricDefinition, Rows] {
  return [
    definition,
    perReplica((emit, target, r) => {
      const v = value(r);
      if (v !== null) emit(v, target, r.figures.name);
    }),
  ];
}

function perPhase(definition: MetricDefinition, part: 'seconds' | 'requests'): [MetricDefinition, Rows] {
  return [
    definition,
    perReplica((emit, target, r) => {
      for (const phase of ENGINE_PHASES) {
        const totals = r.phaseTotals[phase];
        if (totals) emit(totals[part], target, r.figures.name, phase);
      }
    }),
  ];
}

function scheduler(definition: MetricDefinition, value: (v: SchedulerView) => number | null): [MetricDefinition, Rows] {
  return [
    definition,
    (s: RenderSnapshot, emit) => {
      for (const t of s.replicas) {
        const v = t.scheduler ? value(t.scheduler) : null;
        if (v !== null) emit(v, t.target);
      }
    },
  ];
}
