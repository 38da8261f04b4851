/**
 * The latency alerts of the rule file, replayed on a resampled probe stream the way Prometheus
 * evaluates them, so `kvcanary plan` can say how often they fire for nothing and how long they take to
 * fire on a real regression at a given probe rate.
 *
 * Time runs in scrape intervals. Each scrape adds the requests that finished since the previous one to
 * the TTFT histogram (the contract's buckets), the first- and later-turn sums and counts and the count
 * within the SLO bound. A `rate()` over a window W sees the W / scrape samples inside it, whose differences
 * span one scrape interval less than W (scrapes are not aligned with evaluations); extrapolation scales
 * every bucket alike, so it does not move a quantile or a ratio. Rules are evaluated every evaluation
 * interval: the recorded P95 is `histogram_quantile` over the figure window, the regression reference is
 * the mean of the P95 recorded over `referenceWindow` an `offset` earlier, and an alert fires once its
 * condition has held at every evaluation for `for` (Prometheus's pending -> firing).
 *
 * The P95 a day earlier comes from a second, independent stream of the unchanged distribution: samples
 * a day apart are independent, so that is what the reference window holds, and a change younger than the
 * offset never reaches it.
 */
import { durationSeconds, type RuleConfig } from '@kvcanary/contract';
import type { Random } from '../util/random.js';
import { bucketIndex, histogramQuantile } from './histogram-quantile.js';

/** One successful probe as recorded: its TTFT and whether it was a conversation's first turn. */
export interface ReplaySample {
  seconds: number;
  firstTurn: boolean;
}

/** What a change does to one probe's TTFT; the identity is "nothing changed". */
export type Change = (sample: ReplaySample) => number;

export const noChange: Change = (s) => s.seconds;

export interface ReplaySettings {
  rules: RuleConfig;
  /** The TTFT histogram's finite bucket bounds, seconds. */
  bounds: readonly number[];
  scrapeIntervalSeconds: number;
  /** Finished probe requests per second to the target. */
  requestsPerSecond: number;
}

/** The alerts a latency change can trip, each with the name (and tier) the rule file gives it. */
export interface ReplayedAlert {
  alert: string;
  /** The burn-rate tier (`1h-5m`...), as the rule's `tier` label; absent for the other alerts. */
  tier?: string;
}

export interface ReplayOutcome {
  /** Per alert, in `replayedAlerts` order: seconds from the start of the run to its first firing, or null. */
  firstFiring: (number | null)[];
  /** Per alert: how many times it went from not firing to firing during the run. */
  episodes: number[];
}

/** A pool of recorded samples ready for resampling under one change: values and bucket indices per turn kind. */
interface Pool {
  first: { seconds: Float64Array; bucket: Int32Array };
  later: { seconds: Float64Array; bucket: Int32Array };
  firstShare: number;
}

function poolOf(samples: readonly ReplaySample[], change: Change, bounds: readonly number[]): Pool {
  const part = (firstTurn: boolean) => {
    const values = samples.filter((s) => s.firstTurn === firstTurn).map(change);
    return { seconds: Float64Array.from(values), bucket: Int32Array.from(values.map((v) => bucketIndex(bounds, v))) };
  };
  const first = part(true);
  const later = part(false);
  return { first, later, firstShare: first.seconds.length / samples.length };
}

/** Layout of one scrape's increments: the buckets (+Inf last), then these. */
const FIRST_SUM = 0;
const FIRST_COUNT = 1;
const LATER_SUM = 2;
const LATER_COUNT = 3;
const WITHIN_SLO = 4;
const TOTAL = 5;
const EXTRA = 6;

/** One target's probes: deterministic pacing (the engine's schedule), resampled TTFTs. */
class ProbeStream {
  private arrivals = 0;
  private firsts = 0;
  readonly width: number;

  constructor(
    private readonly pools: { before: Pool; after: Pool },
    private readonly perScrape: number,
    private readonly buckets: number,
    private readonly sloBucket: number,
    private readonly random: Random,
  ) {
    this.width = buckets + 1 + EXTRA;
  }

  /** The increments of the next scrape interval, from the pool after the change when `changed`. */
  scrape(changed: boolean): Float64Array {
    const pool = changed ? this.pools.after : this.pools.before;
    const v = new Float64Array(this.width);
    const base = this.buckets + 1;
    this.arrivals += this.perScrape;
    const n = Math.floor(this.arrivals);
    this.arrivals -= n;
    for (let i = 0; i < n; i++) {
      // A fixed share of first turns, spread evenly, as conversations of a fixed length produce them.
      this.firsts += pool.firstShare;
      const first = this.firsts >= 1 && pool.first.seconds.length > 0;
      if (first) this.firsts -= 1;
      const part = first || pool.later.seconds.length === 0 ? pool.first : pool.later;
      const k = this.random.int(part.seconds.length);
      const bucket = part.bucket[k] as number;
      const seconds = part.seconds[k] as number;
      v[bucket] = (v[bucket] as number) + 1;
      if (first) {
        v[base + FIRST_SUM] = (v[base + FIRST_SUM] as number) + seconds;
        v[base + FIRST_COUNT] = (v[base + FIRST_COUNT] as number) + 1;
      } else {
        v[base + LATER_SUM] = (v[base + LATER_SUM] as number) + seconds;
        v[base + LATER_COUNT] = (v[base + LATER_COUNT] as number) + 1;
      }
      if (bucket <= this.sloBucket) v[base + WITHIN_SLO] = (v[base + WITHIN_SLO] as number) + 1;
      v[base + TOTAL] = (v[base + TOTAL] as number) + 1;
    }
    return v;
  }

  /** The mean increments of one scrape interval before the change: the long windows' starting state. */
  expected(): Float64Array {
    const pool = this.pools.before;
    const v = new Float64Array(this.width);
    const base = this.buckets + 1;
    const add = (part: Pool['first'], weight: number, sum: number, count: number) => {
      const n = part.seconds.length;
      if (n === 0) return;
      for (let k = 0; k < n; k++) {
        const bucket = part.bucket[k] as number;
        const w = weight / n;
        v[bucket] = (v[bucket] as number) + w;
        v[base + sum] = (v[base + sum] as number) + (part.seconds[k] as number) * w;
        if (bucket <= this.sloBucket) v[base + WITHIN_SLO] = (v[base + WITHIN_SLO] as number) + w;
      }
      v[base + count] = (v[base + count] as number) + weight;
      v[base + TOTAL] = (v[base + TOTAL] as number) + weight;
    };
    const firstShare = pool.later.seconds.length === 0 ? 1 : pool.firstShare;
    add(pool.first, this.perScrape * firstShare, FIRST_SUM, FIRST_COUNT);
    add(pool.later, this.perScrape * (1 - firstShare), LATER_SUM, LATER_COUNT);
    return v;
  }
}

/**
 * Running sums of the last `slots` scrape increments, over a shared ring of the longest window. A window
 * keeps only the fields its rules read (`fields`; all when absent): the burn-rate windows are long and
 * read two numbers, so summing every bucket there would be most of a replay's work.
 */
class Windows {
  private readonly ring: Float64Array[];
  private head = 0;
  private readonly windows: { slots: number; sum: Float64Array; fields: Int32Array }[] = [];

  constructor(sizes: readonly { slots: number; fields?: readonly number[] }[], fill: Float64Array) {
    const longest = Math.max(...sizes.map((s) => s.slots));
    this.ring = new Array<Float64Array>(longest + 1).fill(fill);
    for (const { slots, fields } of sizes) {
      // The first window of a length wins: the figure window comes first and holds every field.
      if (this.windows.some((w) => w.slots === slots)) continue;
      const all = Int32Array.from({ length: fill.length }, (_, i) => i);
      this.windows.push({ slots, sum: fill.map((x) => x * slots), fields: fields === undefined ? all : Int32Array.from(fields) });
    }
  }

  push(v: Float64Array): void {
    this.head = (this.head + 1) % this.ring.length;
    this.ring[this.head] = v;
    for (const { slots, sum, fields } of this.windows) {
      const old = this.ring[(this.head - slots + this.ring.length) % this.ring.length] as Float64Array;
      for (let k = 0; k < fields.length; k++) {
        const i = fields[k] as number;
        sum[i] = (sum[i] as number) + (v[i] as number) - (old[i] as number);
      }
    }
  }

  /** The sums of the first window of `slots` (the figure window is listed first, with every field). */
  sum(slots: number): Float64Array {
    return (this.windows.find((w) => w.slots === slots) as { sum: Float64Array }).sum;
  }
}

/** The alerts replayed, in a fixed order: the P95 regression, each burn-rate tier, the cache speedup. */
export function replayedAlerts(rules: RuleConfig): ReplayedAlert[] {
  return [
    { alert: 'KVCanaryTTFTP95Regression' },
    ...rules.slo.tiers.map((t) => ({ alert: 'KVCanaryTTFTSLOBurnRate', tier: `${t.longWindow}-${t.shortWindow}` })),
    { alert: 'KVCanaryCacheSpeedupCollapsed' },
  ];
}

/** Scrape samples a `rate()` window sees, as intervals: one fewer than the samples it holds, at least one. */
function slotsOf(window: string, scrape: number): number {
  return Math.max(1, Math.round(durationSeconds(window) / scrape) - 1);
}

export interface ReplayRun {
  samples: readonly ReplaySample[];
  settings: ReplaySettings;
  /** Applied from the start of the run; `noChange` for the false-alarm run. */
  change: Change;
  random: Random;
  /** Unchanged probing before the run starts (windows start from their expected contents). */
  warmupSeconds: number;
  runSeconds: number;
  /** Stop as soon as every alert has fired once (detection trials). */
  stopWhenAllFired: boolean;
  /** Called every simulated hour, for progress output. */
  onHour?: () => void;
}

/** One replay: `warmupSeconds` of the unchanged stream, then `runSeconds` under `change`. */
export function replay(run: ReplayRun): ReplayOutcome {
  const { rules, bounds, scrapeIntervalSeconds: scrape, requestsPerSecond } = run.settings;
  const sloBound = Number(rules.slo.ttftBucket);
  const sloBucket = bounds.indexOf(sloBound);
  if (sloBucket < 0) throw new Error(`slo.ttftBucket ${rules.slo.ttftBucket} is not a TTFT bucket bound`);
  const before = poolOf(run.samples, noChange, bounds);
  const after = poolOf(run.samples, run.change, bounds);
  const perScrape = requestsPerSecond * scrape;
  const present = new ProbeStream({ before, after }, perScrape, bounds.length, sloBucket, run.random);
  const dayBefore = new ProbeStream({ before, after: before }, perScrape, bounds.length, sloBucket, run.random);

  const figure = slotsOf(rules.figureWindow, scrape);
  const tiers = rules.slo.tiers.map((t) => ({ long: slotsOf(t.longWindow, scrape), short: slotsOf(t.shortWindow, scrape), limit: t.burnRate * (1 - rules.slo.objective) }));
  const expected = present.expected();
  const base = bounds.length + 1;
  const slo = [base + WITHIN_SLO, base + TOTAL];
  const windows = new Windows([{ slots: figure }, ...tiers.flatMap((t) => [{ slots: t.long, fields: slo }, { slots: t.short, fields: slo }])], expected);
  const dayBeforeWindows = new Windows([{ slots: figure }], expected);

  const evaluation = durationSeconds(rules.evaluationInterval);
  const scrapesPerEvaluation = Math.max(1, Math.round(evaluation / scrape));
  const reference = Math.max(1, Math.round(durationSeconds(rules.ttftRegression.referenceWindow) / evaluation));
  const pastP95: number[] = [];
  const p95Of = (sum: Float64Array) => histogramQuantile(0.95, bounds, sum.subarray(0, base));
  const enough = (sum: Float64Array) => (sum[base + TOTAL] as number) >= rules.minProbeRequests;
  const r = rules.ttftRegression;

  const conditions: (() => boolean)[] = [
    () => {
      const now = windows.sum(figure);
      const p95 = p95Of(now);
      const ref = pastP95.length === 0 ? Number.NaN : pastP95.reduce((a, b) => a + b, 0) / pastP95.length;
      return p95 / ref > r.factor && p95 > r.floorSeconds && enough(now);
    },
    ...tiers.map((t) => () => {
      const violation = (sum: Float64Array) => 1 - (sum[base + WITHIN_SLO] as number) / (sum[base + TOTAL] as number);
      const short = windows.sum(t.short);
      return violation(windows.sum(t.long)) > t.limit && violation(short) > t.limit && enough(short);
    }),
    () => {
      const now = windows.sum(figure);
      const speedup = (now[base + FIRST_SUM] as number) / (now[base + FIRST_COUNT] as number) / ((now[base + LATER_SUM] as number) / (now[base + LATER_COUNT] as number));
      return speedup < rules.cacheSpeedup.min && enough(now);
    },
  ];
  const holds = [r.for, ...rules.slo.tiers.map((t) => t.for), rules.cacheSpeedup.for].map(durationSeconds);
  const activeSince: (number | null)[] = conditions.map(() => null);
  const firing = conditions.map(() => false);
  const outcome: ReplayOutcome = { firstFiring: conditions.map(() => null), episodes: conditions.map(() => 0) };

  // Whole evaluation intervals of warm-up: the change starts just after an evaluation.
  const warmupScrapes = Math.ceil(run.warmupSeconds / (scrape * scrapesPerEvaluation)) * scrapesPerEvaluation;
  const totalScrapes = warmupScrapes + Math.ceil(run.runSeconds / scrape);
  const scrapesPerHour = Math.round(3600 / scrape);
  for (let s = 1; s <= totalScrapes; s++) {
    const changed = s > warmupScrapes;
    windows.push(present.scrape(changed));
    dayBeforeWindows.push(dayBefore.scrape(false));
    if (run.onHour && s % scrapesPerHour === 0) run.onHour();
    if (s % scrapesPerEvaluation !== 0) continue;
    pastP95.push(p95Of(dayBeforeWindows.sum(figure)));
    if (pastP95.length > reference) pastP95.shift();
    const t = (s - warmupScrapes) * scrape;
    conditions.forEach((holdsNow, i) => {
      if (!holdsNow()) {
        activeSince[i] = null;
        firing[i] = false;
        return;
      }
      const since = activeSince[i] ?? t;
      activeSince[i] = since;
      if (!firing[i] && t - since >= (holds[i] as number)) {
        firing[i] = true;
        if (changed) {
          outcome.episodes[i] = (outcome.episodes[i] as number) + 1;
          outcome.firstFiring[i] ??= t;
        }
      }
    });
    if (run.stopWhenAllFired && outcome.firstFiring.every((f) => f !== null)) break;
  }
  return outcome;
}
