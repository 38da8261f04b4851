import type { Interval } from '@kvcanary/contract/schemas';
import type { Random } from '../util/random.js';
import { referencePercentile } from './percentile.js';

/** One successful request as the bootstrap sees it. */
export interface TtftSample {
  conversation: number;
  turn: number;
  ttftMs: number;
}

export interface BootstrapOptions {
  /** Seeded, so that an interval printed once can be printed again. */
  random: Random;
  /** Resamples; 1000 keeps the 2.5% / 97.5% ends stable to a few percent of their width. */
  iterations?: number;
}

/** The statistics a run is judged by; every bootstrap below resamples all of them at once. */
export const STATISTICS = ['p50', 'p95', 'p99', 'firstTurnMean', 'laterTurnsMean', 'cacheSpeedup'] as const;
export type Statistic = (typeof STATISTICS)[number];

export type SampleIntervals = Record<Statistic, Interval | null>;

export interface Difference {
  /** candidate - baseline on the full samples; null when either side cannot compute it. */
  estimate: number | null;
  ci95: Interval | null;
  /** The interval excludes zero: the difference is larger than the noise of these two runs. */
  significant: boolean;
}

export interface RunDifference {
  /** True when requests were matched by (conversation, turn): both runs used the same script. */
  paired: boolean;
  pairs: number;
  differences: Record<Statistic, Difference>;
}

const DEFAULT_ITERATIONS = 1000;

/** All statistics of one sample given as ttfts and turn numbers (parallel arrays, `n` used). */
function statistics(ttft: Float64Array, turns: Int32Array, n: number, scratch: Float64Array): Record<Statistic, number> {
  let firstSum = 0;
  let firstCount = 0;
  let laterSum = 0;
  let laterCount = 0;
  for (let i = 0; i < n; i++) {
    const v = ttft[i] as number;
    scratch[i] = v;
    if (turns[i] === 1) {
      firstSum += v;
      firstCount++;
    } else {
      laterSum += v;
      laterCount++;
    }
  }
  const sorted = scratch.subarray(0, n).sort();
  const firstTurnMean = firstCount > 0 ? firstSum / firstCount : Number.NaN;
  const laterTurnsMean = laterCount > 0 ? laterSum / laterCount : Number.NaN;
  return {
    // The same definition as the point estimates (distribution()), so an interval brackets its figure.
    p50: referencePercentile(sorted, 0.5),
    p95: referencePercentile(sorted, 0.95),
    p99: referencePercentile(sorted, 0.99),
    firstTurnMean,
    laterTurnsMean,
    cacheSpeedup: laterTurnsMean > 0 ? firstTurnMean / laterTurnsMean : Number.NaN,
  };
}

/** Samples resampled together: one conversation's requests, whose latencies move together. */
interface Group {
  ttft: Float64Array;
  turns: Int32Array;
}

/**
 * Below this many conversations, resampling whole conversations gives too few distinct resamples,
 * so single requests are resampled instead (narrower than the truth, but not degenerate).
 */
const MIN_CLUSTERS = 8;

/**
 * Groups samples by conversation (the resampling unit), keeping first-seen order. Requests of one
 * conversation share its document and its replica's cache, so they are not independent; resampling
 * them one by one would give intervals that are too narrow and call noise significant.
 */
function groupsOf(samples: readonly TtftSample[]): Group[] {
  const byConversation = new Map<number, TtftSample[]>();
  for (const s of samples) {
    const list = byConversation.get(s.conversation);
    if (list) list.push(s);
    else byConversation.set(s.conversation, [s]);
  }
  const lists = byConversation.size >= MIN_CLUSTERS ? [...byConversation.values()] : samples.map((s) => [s]);
  return lists.map((list) => ({ ttft: Float64Array.from(list, (s) => s.ttftMs), turns: Int32Array.from(list, (s) => s.turn) }));
}

/** Buffers big enough for any resample of these groups: n draws of the largest group. */
class Resample {
  readonly ttft: Float64Array;
  readonly turns: Int32Array;
  readonly scratch: Float64Array;
  length = 0;
  constructor(groups: readonly Group[]) {
    const largest = groups.reduce((m, g) => Math.max(m, g.ttft.length), 0);
    const size = largest * groups.length;
    this.ttft = new Float64Array(size);
    this.turns = new Int32Array(size);
    this.scratch = new Float64Array(size);
  }
  reset(): void {
    this.length = 0;
  }
  append(g: Group): void {
    this.ttft.set(g.ttft, this.length);
    this.turns.set(g.turns, this.length);
    this.length += g.ttft.length;
  }
  statistics(): Record<Statistic, number> {
    return statistics(this.ttft, this.turns, this.length, this.scratch);
  }
}

function fullStatistics(samples: readonly TtftSample[]): Record<Statistic, number> {
  const n = samples.length;
  return statistics(Float64Array.from(samples, (s) => s.ttftMs), Int32Array.from(samples, (s) => s.turn), n, new Float64Array(n));
}

/**
 * The percentile-method interval: the 2.5% and 97.5% order statistics of the resampled statistic, by
 * the same rule (of 1000 defined resamples, the 26th and the 976th smallest); null when too few were defined.
 */
function interval(values: number[]): Interval | null {
  const defined = Float64Array.from(values.filter((v) => Number.isFinite(v))).sort();
  // Resamples that could not compute the statistic (no first turn drawn, say) are left out;
  // if most could not, the interval would mislead, so there is none.
  if (defined.length < values.length / 2 || defined.length === 0) return null;
  return [referencePercentile(defined, 0.025), referencePercentile(defined, 0.975)];
}

function emptyRecord(): Record<Statistic, number[]> {
  return { p50: [], p95: [], p99: [], firstTurnMean: [], laterTurnsMean: [], cacheSpeedup: [] };
}

/** Bootstrap 95% intervals of P50/P95/P99, the turn means and the cache speedup of one sample. */
export function bootstrapSample(samples: readonly TtftSample[], options: BootstrapOptions): SampleIntervals {
  const n = samples.length;
  const none: SampleIntervals = { p50: null, p95: null, p99: null, firstTurnMean: null, laterTurnsMean: null, cacheSpeedup: null };
  if (n === 0) return none;
  const groups = groupsOf(samples);
  const buffer = new Resample(groups);
  const drawn = emptyRecord();
  for (let it = 0; it < (options.iterations ?? DEFAULT_ITERATIONS); it++) {
    buffer.reset();
    for (let i = 0; i < groups.length; i++) buffer.append(groups[options.random.int(groups.length)] as Group);
    const s = buffer.statistics();
    for (const k of STATISTICS) drawn[k].push(s[k]);
  }
  const out = { ...none };
  for (const k of STATISTICS) out[k] = interval(drawn[k]);
  return out;
}

function pairKey(s: TtftSample): string {
  return `${s.conversation}:${s.turn}`;
}

/**
 * Bootstrap 95% intervals of candidate - baseline for every statistic. With `paired`, requests are
 * matched by (conversation, turn) and pairs are resampled together, which removes the run-to-run
 * variation of the work itself (documents, follow-ups); otherwise the two runs are resampled apart.
 * Paired falls back to unpaired when no (conversation, turn) appears in both. The resampling unit is
 * the conversation (with enough of them), see groupsOf.
 */
export function bootstrapDifference(
  baseline: readonly TtftSample[],
  candidate: readonly TtftSample[],
  options: BootstrapOptions & { paired: boolean },
): RunDifference {
  const iterations = options.iterations ?? DEFAULT_ITERATIONS;
  let a = baseline;
  let b = candidate;
  let paired = false;
  if (options.paired) {
    const byKey = new Map(candidate.map((s) => [pairKey(s), s]));
    const pa: TtftSample[] = [];
    const pb: TtftSample[] = [];
    for (const s of baseline) {
      const match = byKey.get(pairKey(s));
      if (match) {
        pa.push(s);
        pb.push(match);
      }
    }
    if (pa.length > 0) {
      a = pa;
      b = pb;
      paired = true;
    }
  }
  const fullA = fullStatistics(a);
  const fullB = fullStatistics(b);

  const drawn = emptyRecord();
  if (a.length > 0 && b.length > 0) {
    // Paired: a and b are aligned sample by sample, so grouping both by a's conversations keeps
    // every (conversation, turn) with its partner, and one draw of group indices serves both.
    const ga = groupsOf(a);
    const gb = paired ? groupsOf(b.map((s, i) => ({ ...s, conversation: (a[i] as TtftSample).conversation }))) : groupsOf(b);
    const ra = new Resample(ga);
    const rb = new Resample(gb);
    for (let it = 0; it < iterations; it++) {
      ra.reset();
      rb.reset();
      for (let i = 0; i < ga.length; i++) {
        const j = options.random.int(ga.length);
        ra.append(ga[j] as Group);
        if (paired) rb.append(gb[j] as Group);
      }
      if (!paired) for (let i = 0; i < gb.length; i++) rb.append(gb[options.random.int(gb.length)] as Group);
      const sa = ra.statistics();
      const sb = rb.statistics();
      for (const k of STATISTICS) drawn[k].push(sb[k] - sa[k]);
    }
  }

  const differences = {} as Record<Statistic, Difference>;
  for (const k of STATISTICS) {
    const estimate = fullB[k] - fullA[k];
    const ci95 = interval(drawn[k]);
    differences[k] = {
      estimate: Number.isFinite(estimate) ? estimate : null,
      ci95,
      significant: ci95 !== null && (ci95[0] > 0 || ci95[1] < 0),
    };
  }
  return { paired, pairs: paired ? a.length : 0, differences };
}

/** The successful requests of a record list, as bootstrap samples. */
export function ttftSamples(records: readonly { outcome: string; conversation: number; turn: number; ttftMs?: number }[]): TtftSample[] {
  const out: TtftSample[] = [];
  for (const r of records) {
    if (r.outcome === 'success' && r.ttftMs !== undefined) out.push({ conversation: r.conversation, turn: r.turn, ttftMs: r.ttftMs });
  }
  return out;
}
