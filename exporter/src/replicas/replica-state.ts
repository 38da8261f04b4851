/**
 * What the monitor keeps for one replica between scrapes, and the pure steps that move it: a good
 * scrape's raw figures in, a failed scrape's reason in, a snapshot out. No I/O here.
 */
import { ENGINE_PHASES, type EnginePhase, type PrefixCacheState } from '@kvcanary/contract';
import { CounterTotal, HIT_RATIO_WINDOW_MS, WindowedPair, windowMean, windowRatio, type PairWindow } from './counter-deltas.js';
import type { RawFigures } from './normalise.js';
import type { OutOfRange } from './range-check.js';
import type { EngineTotals, Replica, ReplicaSnapshot } from './types.js';

export interface ReplicaState {
  name: string;
  /** The name as discovery gave it: DCGM's pod label and the endpoint picker's pod names are matched against this. */
  sourceName: string;
  namespace?: string;
  metricsUrl: string;
  up: boolean;
  lastFailure: string | null;
  hits: WindowedPair;
  hitRatio: number | null;
  prefixCache: PrefixCacheState;
  prefixCacheNote: string | null;
  kvCacheUsage: number | null;
  running: number | null;
  waiting: number | null;
  /** Histogram sum (seconds) and count per phase, over the engine window. */
  phases: Record<EnginePhase, WindowedPair>;
  preemptions: CounterTotal;
  /** DCGM-style utilisation found on the replica's own page (the simulator serves it there). */
  ownGpus: Map<string, number>;
  /** The page matched no engine: said once, not every scrape. */
  unknownPageLogged: boolean;
  /** Figures already reported out of range: each is warned about once per replica, then dropped quietly. */
  rangeWarned: Set<OutOfRange['figure']>;
}

export function newReplicaState(name: string, r: Replica, engineWindowMs: number): ReplicaState {
  const phases = {} as Record<EnginePhase, WindowedPair>;
  for (const p of ENGINE_PHASES) phases[p] = new WindowedPair(engineWindowMs);
  return {
    name,
    sourceName: r.name,
    ...(r.namespace !== undefined ? { namespace: r.namespace } : {}),
    metricsUrl: r.metricsUrl,
    up: false,
    lastFailure: null,
    hits: new WindowedPair(HIT_RATIO_WINDOW_MS, true),
    hitRatio: null,
    prefixCache: 'unknown',
    prefixCacheNote: null,
    kvCacheUsage: null,
    running: null,
    waiting: null,
    phases,
    preemptions: new CounterTotal(),
    ownGpus: new Map(),
    unknownPageLogged: false,
    rangeWarned: new Set(),
  };
}

/** A good scrape, read at `at` ms; returns the prefix-cache step it dropped, if hits outgrew queries. */
export function applyScrape(state: ReplicaState, raw: RawFigures, ownGpus: Map<string, number>, at: number): OutOfRange[] {
  state.up = true;
  state.lastFailure = null;
  const { prefixCache } = raw;
  const window = state.hits.observe(prefixCache.counters?.hits ?? null, prefixCache.counters?.queries ?? null, at);
  state.prefixCache = prefixCache.state;
  state.hitRatio = prefixCache.counters ? windowRatio(window) : null;
  state.prefixCacheNote = prefixCache.note ?? (state.hitRatio !== null ? null : hitRatioGap(window, state.hits.outgrewBy !== null));
  state.kvCacheUsage = raw.kvCacheUsage;
  state.running = raw.running;
  state.waiting = raw.waiting;
  for (const p of ENGINE_PHASES) state.phases[p].observe(raw.phases[p]?.sum ?? null, raw.phases[p]?.count ?? null, at);
  state.preemptions.observe(raw.preemptions);
  state.ownGpus = ownGpus;
  return state.hits.outgrewBy === null ? [] : [{ figure: 'prefixCacheHits', value: state.hits.outgrewBy }];
}

function hitRatioGap(window: PairWindow | null, outgrew: boolean): string {
  if (outgrew) return 'prefix-cache hits grew faster than queries in the last scrape (a broken page, or counters reset apart); that step is not counted';
  return window === null ? 'waiting for a second scrape of the counters' : `no prefix-cache queries in the last ${HIT_RATIO_WINDOW_MS / 60_000} minutes`;
}

/**
 * A failed scrape. Stale figures would mislead, so they go; the counters keep their last values, so
 * the next good scrape measures its delta over the whole gap.
 */
export function markDown(state: ReplicaState, reason: string): void {
  state.up = false;
  state.lastFailure = reason;
  state.hitRatio = state.kvCacheUsage = state.running = state.waiting = null;
  state.prefixCacheNote = `replica down: ${reason}`;
  state.ownGpus = new Map();
}

/** The replica as readers see it; `gpus` and `schedulerQueue` come from the DCGM and picker pages. */
export function snapshotOf(
  state: ReplicaState,
  extra: { gpus: readonly { gpu: string; utilization: number }[]; probeRequests: number; schedulerQueue: number | null },
): ReplicaSnapshot {
  const { gpus } = extra;
  const phaseTotals: Partial<Record<EnginePhase, EngineTotals>> = {};
  const phaseWindow: Partial<Record<EnginePhase, EngineTotals>> = {};
  for (const p of ENGINE_PHASES) {
    const pair = state.phases[p];
    if (!pair.seen) continue;
    phaseTotals[p] = { seconds: pair.totalA, requests: pair.totalB };
    if (pair.window) phaseWindow[p] = { seconds: pair.window.a, requests: pair.window.b };
  }
  const ttftMean = windowMean(state.phases.ttft.window);
  return {
    figures: {
      name: state.name,
      up: state.up,
      prefixCacheHitRatio: state.hitRatio,
      prefixCache: state.prefixCache,
      prefixCacheNote: state.prefixCacheNote,
      kvCacheUsage: state.kvCacheUsage,
      running: state.running,
      waiting: state.waiting,
      gpuUtilization: gpus.length > 0 ? gpus.reduce((sum, g) => sum + g.utilization, 0) / gpus.length : null,
      probeRequests: extra.probeRequests,
      engineTtftMeanMs: state.up && ttftMean !== null ? ttftMean * 1000 : null,
      schedulerQueue: extra.schedulerQueue,
    },
    prefixCacheCounters: state.hits.seen ? { hits: state.hits.totalA, queries: state.hits.totalB } : null,
    gpus,
    phaseTotals,
    phaseWindow: state.up ? phaseWindow : {},
    preemptions: state.preemptions.seen ? state.preemptions.total : null,
  };
}
