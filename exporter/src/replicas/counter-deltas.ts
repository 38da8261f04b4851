/**
 * Prefix-cache hit ratio from counter deltas between consecutive scrapes, never lifetime totals
 * (the reference stack's dashboard divided lifetime counters, so its "hit rate" was an all-time
 * average). Each label set is its own series, as in Prometheus' rate(): a series whose value went
 * down was reset (a restart), and its new value is the increase; a series seen for the first time
 * gives no increase until its second sighting.
 */

/** Bounds memory for a replica that exposes absurdly many label sets. */
const MAX_SERIES = 64;

export interface DeltaStep {
  /** hits / queries over the interval; null on the first scrape or with no queries in it. */
  ratio: number | null;
  hitsDelta: number;
  queriesDelta: number;
}

export class PrefixCacheDeltas {
  private lastHits = new Map<string, number>();
  private lastQueries = new Map<string, number>();
  /** Increases accumulated by us: monotonic and reset-safe, for the exporter's own counters. */
  hitsTotal = 0;
  queriesTotal = 0;

  /** Feeds one successful scrape's counter series (null when the replica exposes none). */
  observe(hits: Map<string, number> | null, queries: Map<string, number> | null): DeltaStep {
    const hitsDelta = increase(this.lastHits, hits);
    const queriesDelta = increase(this.lastQueries, queries);
    this.lastHits = bounded(hits);
    this.lastQueries = bounded(queries);
    if (hitsDelta === null || queriesDelta === null) return { ratio: null, hitsDelta: 0, queriesDelta: 0 };
    this.hitsTotal += hitsDelta;
    this.queriesTotal += queriesDelta;
    // A reset of one counter and not the other within one interval could give hits > queries.
    const ratio = queriesDelta > 0 ? Math.min(1, hitsDelta / queriesDelta) : null;
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
