import { DataFrame } from '@grafana/data';
import { compareTurnLabels, SUCCESS, type FigureId } from '@kvcanary/contract';
import { ComparisonOptions } from '../options';
import { buildViewModel } from './compare';
import { identify } from './identify';
import { place, Placed, QueryNotes, resolve } from './place';
import { Sample, samplesFromFrames } from './samples';
import { emptyReplica, emptyTarget, ReplicaView, TargetFigures, ViewModel } from './view-model';

export interface FramesInput {
  series: DataFrame[];
  /** Query errors as Grafana reports them (PanelData.errors). */
  errors?: Array<{ message?: string; refId?: string }>;
  options: ComparisonOptions;
}

function replicaOf(target: TargetFigures, name: string): ReplicaView {
  let replica = target.replicas.find((r) => r.name === name);
  if (!replica) {
    replica = emptyReplica(name);
    target.replicas.push(replica);
  }
  return replica;
}

type Fill = (target: TargetFigures, value: number, p: Placed) => void;
const onReplica =
  (set: (replica: ReplicaView, value: number) => void): Fill =>
  (target, value, p) =>
    set(replicaOf(target, p.replica ?? ''), value);

/** Where each contract figure goes in the view model; a figure added to the contract fails to compile here until it has a place. */
const FILL: Record<FigureId, Fill> = {
  ttftP50: (t, v) => (t.ttft.p50 = v),
  ttftP95: (t, v) => (t.ttft.p95 = v),
  ttftP99: (t, v) => (t.ttft.p99 = v),
  cacheSpeedup: (t, v) => (t.cacheSpeedup = v),
  ttftFirstTurn: (t, v) => (t.firstTurnMs = v),
  ttftLaterTurns: (t, v) => (t.laterTurnsMs = v),
  ttftByTurn: (t, v, p) => t.byTurn.push({ turn: p.key ?? '', meanMs: v }),
  ttftMean: (t, v) => (t.ttftMeanMs = v),
  engineTtft: (t, v) => (t.engine.ttftMs = v),
  engineQueue: (t, v) => (t.engine.queueMs = v),
  enginePrefill: (t, v) => (t.engine.prefillMs = v),
  ttftOutsideEngine: (t, v) => (t.outsideEngineMs = v),
  promptTokens: (t, v) => (t.tokens.prompt = Math.round(v)),
  cachedPromptTokens: (t, v) => (t.tokens.cached = Math.round(v)),
  requests: (t, v, p) => {
    t.requests = (t.requests ?? 0) + v;
    t.failedRequests = (t.failedRequests ?? 0) + (p.key === SUCCESS ? 0 : v);
  },
  targetUp: (t, v) => (t.up = v > 0),
  lastSuccess: (t, v) => (t.lastSuccessMs = v),
  replicaHitRatio: onReplica((r, v) => (r.hitRatio = v)),
  replicaKvUsage: onReplica((r, v) => (r.kvUsage = v)),
  replicaGpu: onReplica((r, v) => (r.gpuUtil = v)),
  replicaUp: onReplica((r, v) => (r.up = v > 0)),
  replicaRunning: onReplica((r, v) => (r.running = v)),
  replicaWaiting: onReplica((r, v) => (r.waiting = v)),
  // increase() extrapolates to the range's edges: a count of requests is shown whole, like the others.
  replicaProbeRequests: onReplica((r, v) => (r.probeRequests = Math.round(v))),
  replicaPrefixCache: onReplica((r, v) => (r.prefixCache = v > 0 ? 'enabled' : 'disabled')),
  replicaSchedulerQueue: onReplica((r, v) => (r.schedulerQueue = v)),
};

/**
 * Fills first- and later-turn means when no series states them: turn 1's mean is the first-turn mean, and since
 * the exporter defines the speedup as first-turn mean / later-turns mean, later = first / speedup exactly
 * (an unweighted average of the turn means would not be).
 */
function fillTurnMeans(target: TargetFigures): void {
  if (target.firstTurnMs === null) {
    target.firstTurnMs = target.byTurn.find((t) => t.turn === '1')?.meanMs ?? null;
  }
  if (target.laterTurnsMs === null && target.firstTurnMs !== null && target.cacheSpeedup !== null && target.cacheSpeedup > 0) {
    target.laterTurnsMs = target.firstTurnMs / target.cacheSpeedup;
  }
}

/** Targets in the order first seen, each with the figures placed for it. */
function targetsFromSamples(samples: Sample[], targetLabel: string, notes: QueryNotes): TargetFigures[] {
  const placed: Placed[] = [];
  for (const sample of samples) {
    const identity = identify(sample);
    if (identity.kind === 'unplaced') {
      notes.add(sample.refId, identity.reason);
    } else if (identity.kind === 'figure') {
      const placement = place(sample, identity.figure, identity.rank, targetLabel);
      if ('reason' in placement) {
        notes.add(sample.refId, placement.reason);
      } else {
        placed.push(placement.placed);
      }
    }
  }
  const targets = new Map<string, TargetFigures>(placed.map((p) => [p.target, emptyTarget(p.target)]));
  for (const p of resolve(placed, notes)) {
    const target = targets.get(p.target);
    if (target) {
      FILL[p.figure](target, p.value, p);
    }
  }
  for (const target of targets.values()) {
    target.requests = target.requests === null ? null : Math.round(target.requests);
    target.failedRequests = target.failedRequests === null ? null : Math.round(target.failedRequests);
    target.byTurn.sort((a, b) => compareTurnLabels(a.turn, b.turn));
    fillTurnMeans(target);
    target.replicas.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
  }
  return [...targets.values()];
}

/** Grafana data frames -> the comparison view model. */
export function framesToViewModel({ series, errors = [], options }: FramesInput): ViewModel {
  const notes = new QueryNotes();
  const targets = targetsFromSamples(samplesFromFrames(series), options.targetLabel, notes);
  return buildViewModel({
    targets,
    errors: errors.map((e) => (e.refId ? `Query ${e.refId}: ` : '') + (e.message ?? 'query failed')),
    notes: notes.messages(),
    options,
    noDataHint:
      `No data: no kvcanary series with a "${options.targetLabel}" label. ` +
      "Check the queries (see the panel's README) and the target label option.",
  });
}
