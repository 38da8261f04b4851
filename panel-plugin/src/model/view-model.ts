/** The one view model both adapters produce (Grafana frames, and /api/v1/summary JSON); components only render it. */
import type { PrefixCacheState, Role } from '@kvcanary/contract';
import type { Interval, Intervals } from '@kvcanary/contract/schemas';

export type { Interval };

export interface ReplicaView {
  name: string;
  /** null when the replica's up state is unknown. */
  up: boolean | null;
  /** 0-1. */
  hitRatio: number | null;
  /** 0-1. */
  kvUsage: number | null;
  /** 0-1, averaged over the replica's GPUs. */
  gpuUtil: number | null;
  running: number | null;
  waiting: number | null;
  probeRequests: number | null;
  /** Whether the replica caches prefixes, as it says itself; null when unknown. */
  prefixCache: PrefixCacheState | null;
  /** Why there is no hit ratio (the summary API says; Grafana frames do not). */
  prefixCacheNote: string | null;
  /** Requests waiting on the replica as the endpoint picker last saw them. */
  schedulerQueue: number | null;
}

export interface TurnMean {
  /** "1", "2", ... or the capped "10+". */
  turn: string;
  meanMs: number;
}

/** Everything known about one target, in milliseconds and 0-1 ratios. */
export interface TargetFigures {
  name: string;
  ttft: { p50: number | null; p95: number | null; p99: number | null };
  cacheSpeedup: number | null;
  /** Bootstrap 95% intervals of the headline figures (ms, speedup factor); null when the source has none (Grafana frames). */
  ci95: Intervals | null;
  firstTurnMs: number | null;
  laterTurnsMs: number | null;
  byTurn: TurnMean[];
  replicas: ReplicaView[];
  /** Probe requests the figures rest on, all outcomes. */
  requests: number | null;
  /** Requests whose outcome was not success. */
  failedRequests: number | null;
  /** null when unknown. */
  up: boolean | null;
  /** Epoch milliseconds of the last successful probe. */
  lastSuccessMs: number | null;
  /** Set when the source says which side this target is on (the summary API does). */
  role: Role | null;
  /** Mean canary TTFT of all turns. */
  ttftMeanMs: number | null;
  /** The replicas' own mean times, over every request they served (not only the canary's). */
  engine: { ttftMs: number | null; queueMs: number | null; prefillMs: number | null };
  /** Canary mean TTFT minus the engine's: gateway, endpoint picker, network, queues in front of the engine. */
  outsideEngineMs: number | null;
  /** Prompt and cached prompt tokens the target reported; `cached` null is "not reported", not 0. */
  tokens: { prompt: number | null; cached: number | null };
}

export type Verdict = 'better' | 'worse' | 'neutral';

export interface Improvement {
  /** "63% faster", "2.1× better", "12% slower". */
  text: string;
  verdict: Verdict;
  /** Set when the two sides' 95% intervals overlap: the difference may be noise, so the verdict is neutral. */
  withinNoise?: true;
}

export interface ComparisonRow {
  id: 'p50' | 'p95' | 'p99' | 'cacheSpeedup' | 'firstTurn' | 'laterTurns' | 'ttftMean' | 'engineTtft' | 'engineQueue' | 'enginePrefill' | 'outsideEngine';
  label: string;
  /** Latency rows are lower-is-better milliseconds; ratio rows are higher-is-better. */
  kind: 'latency' | 'ratio';
  baseline: number | null;
  candidate: number | null;
  /** 95% intervals; null when the source has none (always for the Grafana panel). */
  baselineCi: Interval | null;
  candidateCi: Interval | null;
  improvement: Improvement | null;
}

export interface TurnRow {
  turn: string;
  baselineMs: number | null;
  candidateMs: number | null;
}

export type PanelState = 'ok' | 'partial' | 'no-data' | 'error';

export interface Message {
  severity: 'info' | 'warning' | 'error';
  text: string;
}

export interface ViewModel {
  state: PanelState;
  messages: Message[];
  baseline: TargetFigures | null;
  candidate: TargetFigures | null;
  headline: ComparisonRow[];
  firstLater: ComparisonRow[];
  /** Where TTFT goes: the canary's mean, the engines' own, and the rest; empty when no replica reports its timings. */
  ttftSplit: ComparisonRow[];
  turns: TurnRow[];
  /** Every target value seen, in the order first seen. */
  targetsSeen: string[];
}

export function emptyTarget(name: string): TargetFigures {
  return {
    name,
    ttft: { p50: null, p95: null, p99: null },
    cacheSpeedup: null,
    ci95: null,
    firstTurnMs: null,
    laterTurnsMs: null,
    byTurn: [],
    replicas: [],
    requests: null,
    failedRequests: null,
    up: null,
    lastSuccessMs: null,
    role: null,
    ttftMeanMs: null,
    engine: { ttftMs: null, queueMs: null, prefillMs: null },
    outsideEngineMs: null,
    tokens: { prompt: null, cached: null },
  };
}

export function emptyReplica(name: string): ReplicaView {
  return {
    name,
    up: null,
    hitRatio: null,
    kvUsage: null,
    gpuUtil: null,
    running: null,
    waiting: null,
    probeRequests: null,
    prefixCache: null,
    prefixCacheNote: null,
    schedulerQueue: null,
  };
}
