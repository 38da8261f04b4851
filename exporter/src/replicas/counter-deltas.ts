/**
 * Figures from counter increases between consecutive scrapes, never lifetime totals (the reference
 * stack's dashboard divided lifetime counters, so its "hit rate" was an all-time average). Each label
 * set is its own series, as in Prometheus' rate(): a series whose value went down was reset (a
 * restart), and its new value is the increase; a series seen for the first time gives no increase
 * until its second sighting.
 */

/** Bounds memory for a replica that exposes absurdly many label sets. */
const MAX_SERIES = 64;

/**
 * The hit ratio is taken over this trailing window, the recording rules' rate() window, so the gauge
 * and PromQL agree. One scrape interval (a second or two) is too short: a single first-turn miss
 * swings it from 95% to 40%.
 */
export const HIT_RATIO_WINDOW_MS = 5 * 60_000;
/** Bounds the window's history however short the scrape interval. */
const MAX_HISTORY = 512;

/** One counter's series by label set, as a scrape read them; null when the page has none. */
export type CounterSeries = ReadonlyMap<string, number> | null;

/** A counter's reset-corrected total since we started watching it: monotonic, for the exporter's own counters. */
export class CounterTotal {
  private last = new Map<string, number>();
  total = 0;
  /** Whether any scrape carried this counter: a replica that never did has no total to show. */
  seen = false;

  /** Feeds one scrape's series; returns the increase since the last one, null when nothing compares yet. */
  observe(current: CounterSeries): number | null {
    const delta = increase(this.last, current);
    this.last = bounded(current);
    if (current) this.seen = true;
    if (delta !== null) this.total += delta;
    return delta;
  }
}

/** What a pair of counters grew by over the trailing window. */
export interface PairWindow {
  a: number;
  b: number;
}

/**
 * Two counters read together, hits and queries or a histogram's sum and count: both advance in a
 * scrape or neither does, so their ratio is always taken over the same intervals.
 */
export class WindowedPair {
  private readonly a = new CounterTotal();
  private readonly b = new CounterTotal();
  /** Our totals at each scrape, oldest first; the first entry is the window's baseline. */
  private history: Array<{ at: number; a: number; b: number }> = [];
  /** Increases over the window after the last scrape that could compare; null before that. */
  window: PairWindow | null = null;
  totalA = 0;
  totalB = 0;

  /**
   * Set by a step where `a` grew more than `b` although `a` can never outgrow it (prefix-cache hits:
   * every hit is a queried token): a broken page or counters reset apart. That step's increases are
   * dropped, the totals unchanged; `a`'s increase is kept here for the log. Null otherwise.
   */
  outgrewBy: number | null = null;

  /** `aNeverOutgrowsB` for hits and queries; a histogram's sum (seconds) may well outgrow its count. */
  constructor(
    private readonly windowMs: number,
    private readonly aNeverOutgrowsB = false,
  ) {}

  /** Whether the replica ever exposed the pair: the exporter shows its totals only then. */
  get seen(): boolean {
    return this.a.seen && this.b.seen;
  }

  /** Feeds one successful scrape's two counters (null when the page has one of them), taken at `at` ms. */
  observe(a: CounterSeries, b: CounterSeries, at: number): PairWindow | null {
    const pairOk = a !== null && b !== null;
    const da = this.a.observe(pairOk ? a : null);
    const db = this.b.observe(pairOk ? b : null);
    this.outgrewBy = this.aNeverOutgrowsB && da !== null && db !== null && da > db ? da : null;
    if (this.outgrewBy !== null) {
      this.window = null;
      return null;
    }
    const compared = da !== null && db !== null;
    if (compared) {
      this.totalA += da;
      this.totalB += db;
    }
    this.history.push({ at, a: this.totalA, b: this.totalB });
    // Keep the newest sample at or before the window's start as the baseline.
    while (this.history.length > 1 && ((this.history[1]?.at ?? at) <= at - this.windowMs || this.history.length > MAX_HISTORY)) {
      this.history.shift();
    }
    if (!compared) {
      this.window = null;
      return null;
    }
    const base = this.history[0] ?? { a: this.totalA, b: this.totalB };
    this.window = { a: this.totalA - base.a, b: this.totalB - base.b };
    return this.window;
  }
}

/**
 * hits / queries over the window; null with no queries in it. Clamped to 1: a reset of one counter and
 * not the other within one interval could give more hits than queries.
 */
export function windowRatio(w: PairWindow | null): number | null {
  return w !== null && w.b > 0 ? Math.min(1, w.a / w.b) : null;
}

/** A histogram's mean over the window (sum / count); null with no observations in it. */
export function windowMean(w: PairWindow | null): number | null {
  return w !== null && w.b > 0 ? w.a / w.b : null;
}

/** Sum of per-series increases; null when there is nothing to compare with yet. */
function increase(previous: Map<string, number>, current: CounterSeries): number | null {
  if (!current) return null;
  let total = 0;
  let compared = false;
  for (const [key, value] of current) {
    const before = previous.get(key);
    if (before === undefined) continue;
    compared = true;
    total += value >= before ? value - before : value;
  }
  return compared ? total : null;
}

function bounded(series: CounterSeries): Map<string, number> {
  if (!series) return new Map();
  if (series.size <= MAX_SERIES) return new Map(series);
  return new Map([...series].slice(0, MAX_SERIES));
}
