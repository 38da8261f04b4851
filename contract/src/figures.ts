/**
 * The figures the comparison panel shows, and the only ways a query result is recognised as one:
 * - by its exact series name (`__name__`), among the series listed here, with the listed fixed label
 *   values (`quantile`) where a series carries several figures;
 * - for results that have no name (`histogram_quantile(...)`, `sum by (...)`), by the query's refId,
 *   which the dashboard generator sets to the figure's refId from this table.
 * Legends, frame names and target or replica label values never decide what a number means.
 */
import { WINDOW_QUANTILES, type EnginePhase } from './labels.js';
import { exporterMetrics as m, type Unit } from './metrics.js';
import { recorded } from './recorded.js';

/** What a figure is about: a whole target, or one replica of it (the `replica` label). */
export type FigureScope = 'target' | 'replica';

export interface FigureSource {
  series: string;
  /** Label values the sample must carry to be this figure (fixed values from ./labels.ts). */
  where?: Readonly<Record<string, string>>;
}

export interface PanelFigure {
  /** The refId of the query that returns this figure. */
  refId: string;
  unit: Unit;
  scope: FigureScope;
  /** A label that splits the figure into several values (`turn`, `outcome`, `gpu`). */
  by?: 'turn' | 'outcome' | 'gpu';
  /** Named series that are this figure; empty when only a query by refId gives it (counters need increase()). */
  sources: readonly FigureSource[];
}

function quantileSources(field: 'p50' | 'p95' | 'p99'): FigureSource[] {
  const q = WINDOW_QUANTILES.find((w) => w.field === field);
  const named = { p50: recorded.ttftP50, p95: recorded.ttftP95, p99: recorded.ttftP99 }[field];
  return [{ series: named.name }, ...(q ? [{ series: m.ttftWindow.name, where: { quantile: q.label } }] : [])];
}

/** A phase's mean from the recorded per-phase series (fixed `phase` values from ./labels.ts). */
function enginePhase(phase: EnginePhase): FigureSource {
  return { series: recorded.enginePhaseMean.name, where: { phase } };
}

export const panelFigures = {
  ttftP50: { refId: 'ttftP50', unit: 'seconds', scope: 'target', sources: quantileSources('p50') },
  ttftP95: { refId: 'ttftP95', unit: 'seconds', scope: 'target', sources: quantileSources('p95') },
  ttftP99: { refId: 'ttftP99', unit: 'seconds', scope: 'target', sources: quantileSources('p99') },
  cacheSpeedup: {
    refId: 'cacheSpeedup',
    unit: 'ratio',
    scope: 'target',
    sources: [{ series: recorded.cacheSpeedup.name }, { series: m.cacheSpeedup.name }],
  },
  ttftFirstTurn: { refId: 'ttftFirstTurn', unit: 'seconds', scope: 'target', sources: [{ series: recorded.ttftMeanFirstTurn.name }] },
  ttftLaterTurns: { refId: 'ttftLaterTurns', unit: 'seconds', scope: 'target', sources: [{ series: recorded.ttftMeanLaterTurns.name }] },
  ttftByTurn: {
    refId: 'ttftByTurn',
    unit: 'seconds',
    scope: 'target',
    by: 'turn',
    sources: [{ series: recorded.ttftMeanByTurn.name }, { series: m.ttftTurnWindow.name }],
  },
  ttftMean: { refId: 'ttftMean', unit: 'seconds', scope: 'target', sources: [{ series: recorded.ttftMean.name }] },
  engineTtft: { refId: 'engineTtft', unit: 'seconds', scope: 'target', sources: [enginePhase('ttft')] },
  engineQueue: { refId: 'engineQueue', unit: 'seconds', scope: 'target', sources: [enginePhase('queue')] },
  enginePrefill: { refId: 'enginePrefill', unit: 'seconds', scope: 'target', sources: [enginePhase('prefill')] },
  ttftOutsideEngine: { refId: 'ttftOutsideEngine', unit: 'seconds', scope: 'target', sources: [{ series: recorded.ttftOutsideEngine.name }] },
  requests: { refId: 'requests', unit: 'count', scope: 'target', by: 'outcome', sources: [] },
  /** Both token counts come by refId (increase() of the counters); a target whose cached count is absent did not report it. */
  promptTokens: { refId: 'promptTokens', unit: 'tokens', scope: 'target', sources: [] },
  cachedPromptTokens: { refId: 'cachedPromptTokens', unit: 'tokens', scope: 'target', sources: [] },
  targetUp: { refId: 'targetUp', unit: 'boolean', scope: 'target', sources: [{ series: m.targetUp.name }] },
  lastSuccess: { refId: 'lastSuccess', unit: 'timestamp_seconds', scope: 'target', sources: [{ series: m.lastSuccess.name }] },
  replicaHitRatio: {
    refId: 'replicaHitRatio',
    unit: 'ratio',
    scope: 'replica',
    sources: [{ series: recorded.replicaKvHitRatio.name }, { series: m.replicaPrefixCacheHitRatio.name }],
  },
  replicaKvUsage: {
    refId: 'replicaKvUsage',
    unit: 'ratio',
    scope: 'replica',
    sources: [{ series: recorded.replicaKvUsage.name }, { series: m.replicaKvCacheUsage.name }],
  },
  replicaGpu: {
    refId: 'replicaGpu',
    unit: 'ratio',
    scope: 'replica',
    by: 'gpu',
    sources: [{ series: recorded.replicaGpuUtilization.name }, { series: m.replicaGpuUtilization.name }],
  },
  replicaUp: { refId: 'replicaUp', unit: 'boolean', scope: 'replica', sources: [{ series: m.replicaUp.name }] },
  replicaRunning: { refId: 'replicaRunning', unit: 'count', scope: 'replica', sources: [{ series: m.replicaRequestsRunning.name }] },
  replicaWaiting: { refId: 'replicaWaiting', unit: 'count', scope: 'replica', sources: [{ series: m.replicaRequestsWaiting.name }] },
  replicaProbeRequests: { refId: 'replicaProbeRequests', unit: 'count', scope: 'replica', sources: [] },
  replicaPrefixCache: { refId: 'replicaPrefixCache', unit: 'boolean', scope: 'replica', sources: [{ series: m.replicaPrefixCacheEnabled.name }] },
  replicaSchedulerQueue: { refId: 'replicaSchedulerQueue', unit: 'count', scope: 'replica', sources: [{ series: m.replicaSchedulerQueue.name }] },
} as const satisfies Record<string, PanelFigure>;

export type FigureId = keyof typeof panelFigures;

export const FIGURE_IDS = Object.keys(panelFigures) as FigureId[];
