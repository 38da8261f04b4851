/**
 * Replica figures no engine can mean: a KV-cache usage or hit rate outside 0-1 (both are fractions:
 * vllm/v1/metrics/loggers.py documents `kv_cache_usage_perc` with "1 means 100 percent usage"),
 * or a negative count of running or waiting requests. Such a value says the page is broken, not
 * the cache, so it is dropped (the figure is absent, as when a replica does not report it) rather
 * than exported or clamped into a plausible-looking number. Counters are checked where their
 * increases are taken (counter-deltas.ts): hits may never grow faster than queries.
 */
import type { RawFigures } from './normalise.js';

export interface OutOfRange {
  /** The figure, as named in log lines: a RawFigures field, or the prefix-cache hits of one step. */
  figure: 'kvCacheUsage' | 'hitRateGauge' | 'running' | 'waiting' | 'prefixCacheHits';
  value: number;
}

const FRACTIONS = ['kvCacheUsage', 'hitRateGauge'] as const;
const COUNTS = ['running', 'waiting'] as const;

/** The figures with every out-of-range value set to null, and what was dropped. */
export function dropOutOfRange(raw: RawFigures): { figures: RawFigures; dropped: OutOfRange[] } {
  const figures = { ...raw };
  const dropped: OutOfRange[] = [];
  for (const figure of FRACTIONS) {
    const value = figures[figure];
    if (value !== null && (value < 0 || value > 1)) {
      dropped.push({ figure, value });
      figures[figure] = null;
    }
  }
  for (const figure of COUNTS) {
    const value = figures[figure];
    if (value !== null && value < 0) {
      dropped.push({ figure, value });
      figures[figure] = null;
    }
  }
  return { figures, dropped };
}
