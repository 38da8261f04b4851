import { compareTurnLabels, turnLabel } from '@kvcanary/contract';
import type { GroupMean, RequestRecord, Summary } from '@kvcanary/contract/schemas';
import { distribution, mean } from './percentile.js';

export interface SummarizeOptions {
  target: string;
  model: string;
  /** Seconds of the conversation phase (bench) or of the window (serve); the RPS denominator. */
  elapsedSeconds: number;
  conversationsPlanned: number;
  /** Turns at or past the cap share one key, `${cap}+`; omitted = every turn has its own key (bench). */
  turnCap?: number;
  /**
   * Turns a conversation is planned to have. When given, a conversation is completed when every turn
   * 1..N is present and succeeded; otherwise when every one of its records seen succeeded.
   */
  turnsPerConversation?: number;
}

/** A request's `byTurn` key: its turn label under the cap, or the plain turn number with none (bench). */
function turnKey(turn: number, cap: number | undefined): string {
  return cap === undefined ? String(turn) : turnLabel(turn, cap);
}

function groupMeans(groups: Map<string, number[]>, order: (a: string, b: string) => number): GroupMean[] {
  return [...groups.entries()]
    .sort(([a], [b]) => order(a, b))
    .map(([key, values]) => ({ key, meanMs: mean(values), count: values.length }));
}

function push(map: Map<string, number[]>, key: string, value: number): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Turns of a conversation stay far below this (bench and the config cap them at 1000), so keys never collide. */
const TURN_SPAN = 2 ** 20;
const conversationTurn = (conversation: number, turn: number): number => conversation * TURN_SPAN + turn;

/**
 * Share of later turns served by the replica that served the previous turn of the same conversation.
 * Only pairs where both turns name a replica count; null when there are none (no replica header).
 */
export function turnAffinity(records: readonly RequestRecord[]): number | null {
  // Keyed by target, then by a number for (conversation, turn): this runs every second over a full
  // window on the measuring loop, and building a string key per record cost most of the summary.
  const replicaOf = new Map<string, Map<number, string>>();
  const ofTarget = (target: string): Map<number, string> => {
    let m = replicaOf.get(target);
    if (!m) replicaOf.set(target, (m = new Map()));
    return m;
  };
  for (const r of records) if (r.replica !== undefined) ofTarget(r.target).set(conversationTurn(r.conversation, r.turn), r.replica);
  let pairs = 0;
  let same = 0;
  for (const r of records) {
    if (r.turn < 2 || r.replica === undefined) continue;
    const previous = replicaOf.get(r.target)?.get(conversationTurn(r.conversation, r.turn - 1));
    if (previous === undefined) continue;
    pairs++;
    if (previous === r.replica) same++;
  }
  return pairs === 0 ? null : same / pairs;
}

function completedConversations(records: readonly RequestRecord[], turnsPerConversation?: number): number {
  const byConversation = new Map<number, { ok: Set<number>; failed: boolean }>();
  for (const r of records) {
    let c = byConversation.get(r.conversation);
    if (!c) byConversation.set(r.conversation, (c = { ok: new Set(), failed: false }));
    if (r.outcome === 'success') c.ok.add(r.turn);
    else c.failed = true;
  }
  let completed = 0;
  for (const c of byConversation.values()) {
    if (c.failed) continue;
    if (turnsPerConversation !== undefined && c.ok.size < turnsPerConversation) continue;
    completed++;
  }
  return completed;
}

/**
 * The figures of one run or one window for one target. Latency figures are over successful requests
 * (those with a TTFT); counts, outcomes and requests per second include failures, as the reference does.
 */
export function summarize(records: readonly RequestRecord[], options: SummarizeOptions): Summary {
  const outcomes: Record<string, number> = {};
  const ttfts: number[] = [];
  const totals: number[] = [];
  const itls: number[] = [];
  const byTurn = new Map<string, number[]>();
  const byDocType = new Map<string, number[]>();
  const first: number[] = [];
  const later: number[] = [];
  const ttfcs: number[] = [];
  // Cached tokens stay null until a response reports them: "not reported" is not 0.
  const tokens: Summary['tokens'] = { prompt: 0, completion: 0, cached: null };
  const replicas: Record<string, number> = {};

  for (const r of records) {
    outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
    tokens.prompt += r.promptTokens ?? 0;
    tokens.completion += r.completionTokens ?? 0;
    if (r.cachedTokens !== undefined) tokens.cached = (tokens.cached ?? 0) + r.cachedTokens;
    if (r.replica !== undefined) replicas[r.replica] = (replicas[r.replica] ?? 0) + 1;
    if (r.outcome !== 'success' || r.ttftMs === undefined) continue;
    ttfts.push(r.ttftMs);
    if (r.ttfcMs !== undefined) ttfcs.push(r.ttfcMs);
    totals.push(r.totalMs);
    if (r.itlMs !== undefined) itls.push(r.itlMs);
    push(byTurn, turnKey(r.turn, options.turnCap), r.ttftMs);
    push(byDocType, r.docType, r.ttftMs);
    (r.turn === 1 ? first : later).push(r.ttftMs);
  }

  const firstTurnMeanMs = first.length > 0 ? mean(first) : null;
  const laterTurnsMeanMs = later.length > 0 ? mean(later) : null;
  return {
    target: options.target,
    model: options.model,
    elapsedSeconds: options.elapsedSeconds,
    requests: records.length,
    outcomes,
    conversationsCompleted: completedConversations(records, options.turnsPerConversation),
    conversationsPlanned: options.conversationsPlanned,
    requestsPerSecond: options.elapsedSeconds > 0 ? records.length / options.elapsedSeconds : 0,
    ttft: distribution(ttfts),
    timeToFirstContent: distribution(ttfcs),
    totalTime: distribution(totals),
    itl: distribution(itls),
    byTurn: groupMeans(byTurn, compareTurnLabels),
    byDocType: groupMeans(byDocType, (a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    firstTurnMeanMs,
    laterTurnsMeanMs,
    cacheSpeedup: speedupOf(firstTurnMeanMs, laterTurnsMeanMs),
    tokens,
    turnAffinity: turnAffinity(records),
    replicas,
  };
}

/** First-turn mean / later-turns mean; null when either side is missing or the later mean is 0. */
export function speedupOf(firstMean: number | null, laterMean: number | null): number | null {
  if (firstMean === null || laterMean === null || laterMean <= 0) return null;
  return firstMean / laterMean;
}
