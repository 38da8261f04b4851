/**
 * Prefix-cache hit ratio from counter deltas between consecutive scrapes, never lifetime totals
 * (the reference stack's dashboard divided lifetime counters, so its "hit rate" was an all-time
 * average). Each label set is its own series, as in Prometheus' rate(): a series whose value went
 * down was reset (a restart), and its new value is the increase; a series seen for the first time
 * gives no increase until its second sighting.
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

export interface DeltaStep {
  /** hits / queries over the trailing window; null on the first scrape or with no queries in it. */
  ratio: number | null;
  hitsDelta: number;
  queriesDelta: number;
  /**
   * Hits grew more than queries since the last scrape, which no cache can do (every hit is a queried
   * token): a broken page or counters reset apart. The step's increases (given above) are dropped,
   * the totals unchanged.
   */
  hitsOutgrewQueries?: true;
}

export class PrefixCacheDeltas {
  private lastHits = new Map<string, number>();
  private lastQueries = new Map<string, number>();
  /** Increases accumulated by us: monotonic and reset-safe, for the exporter's own counters. */
  hitsTotal = 0;
  queriesTotal = 0;
  /** Our totals at each scrape, oldest first; the first entry is the window's baseline. */
  private history: Array<{ at: number; hits: number; queries: number }> = [];

  constructor(private readonly windowMs = HIT_RATIO_WINDOW_MS) {}

  /** Feeds one successful scrape's counter series (null when the replica exposes none), taken at `at` ms. */
  observe(hits: Map<string, number> | null, queries: Map<string, number> | null, at: number): DeltaStep {
    const hitsDelta = increase(this.lastHits, hits);
    const queriesDelta = increase(this.lastQueries, queries);
    this.lastHits = bounded(hits);
    this.lastQueries = bounded(queries);
    if (hitsDelta !== null && queriesDelta !== null && hitsDelta > queriesDelta) {
      return { ratio: null, hitsDelta, queriesDelta, hitsOutgrewQueries: true };
    }
    const compared = hitsDelta !== null && queriesDelta !== null;
    if (compared) {
      this.hitsTotal += hitsDelta;
      this.queriesTotal += queriesDelta;
    }
    this.history.push({ at, hits: this.hitsTotal, queries: this.queriesTotal });
    // Keep the newest sample at or before the window's start as the baseline.
    while (this.history.length > 1 && ((this.history[1]?.at ?? at) <= at - this.windowMs || this.history.length > MAX_HISTORY)) {
      this.history.shift();
    }
    if (!compared) return { ratio: null, hitsDelta: 0, queriesDelta: 0 };
    const base = this.history[0] ?? { hits: this.hitsTotal, queries: this.queriesTotal };
    const windowQueries = this.queriesTotal - base.queries;
    // Steps where hits outgrew queries never reach the totals, so the ratio cannot pass 1.
    const ratio = windowQueries > 0 ? (this.hitsTotal - base.hits) / windowQueries : null;
    return { ratio, hitsDelta, queriesDelta };
  }
}

/** Sum of per-series increases; null when there is nothing to compare with yet. */
function increase(previous: Map<string, number>, current: Map<string, number> | null): number | null {
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

function bounded(series: Map<string, number> | null): Map<string, number> {
  if (!series) return new Map();
  if (series.size <= MAX_SERIES) return new Map(series);
  return new Map([...series].slice(0, MAX_SERIES));
}
