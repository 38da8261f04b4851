import { ComparisonOptions } from '../options';

const DASH = '–';

/** A latency in the unit the options ask for; "–" when unknown. */
export function formatLatency(ms: number | null, options: Pick<ComparisonOptions, 'latencyUnit' | 'decimals'>): string {
  if (ms === null || !Number.isFinite(ms)) {
    return DASH;
  }
  if (options.latencyUnit === 's') {
    return `${(ms / 1000).toFixed(options.decimals ?? 2)} s`;
  }
  return `${ms.toFixed(options.decimals ?? 0)} ms`;
}

/** A speedup factor, two decimals like the reference document ("3.84×"). */
export function formatFactor(value: number | null): string {
  return value === null || !Number.isFinite(value) ? DASH : `${value.toFixed(2)}×`;
}

/**
 * A 95% interval as "[701–790]": the bounds in the figure's unit and precision, without the unit the figure beside
 * it already shows; null when there is none.
 */
export function formatInterval(
  interval: readonly [number, number] | null,
  kind: 'latency' | 'ratio',
  options: Pick<ComparisonOptions, 'latencyUnit' | 'decimals'>
): string | null {
  if (interval === null || !interval.every(Number.isFinite)) {
    return null;
  }
  const bound = (v: number) =>
    kind === 'ratio'
      ? v.toFixed(2)
      : options.latencyUnit === 's'
        ? (v / 1000).toFixed(options.decimals ?? 2)
        : v.toFixed(options.decimals ?? 0);
  return `[${bound(interval[0])}–${bound(interval[1])}]`;
}

/** A 0-1 ratio as a whole percentage. */
export function formatPercent(ratio: number | null): string {
  return ratio === null || !Number.isFinite(ratio) ? DASH : `${Math.round(ratio * 100)}%`;
}

export function formatCount(n: number | null): string {
  return n === null ? DASH : n.toLocaleString('en-US');
}

/** "12 s ago", "3 min ago": how old the last successful probe is. */
export function formatAge(thenMs: number | null, nowMs: number): string {
  if (thenMs === null) {
    return 'never';
  }
  const seconds = Math.max(0, Math.round((nowMs - thenMs) / 1000));
  if (seconds < 90) {
    return `${seconds} s ago`;
  }
  const minutes = Math.round(seconds / 60);
  return minutes < 90 ? `${minutes} min ago` : `${Math.round(minutes / 60)} h ago`;
}

/**
 * The share of prompt tokens served from the prefix cache, as the target reported it: "62% of prompt
 * tokens cached", or "cached tokens not reported" when it never reported any (which is not 0%); null
 * when there are no prompt tokens to speak of.
 */
export function formatCachedShare(tokens: { prompt: number | null; cached: number | null }): string | null {
  if (tokens.prompt === null || tokens.prompt <= 0) {
    return null;
  }
  return tokens.cached === null ? 'cached tokens not reported' : `${formatPercent(tokens.cached / tokens.prompt)} of prompt tokens cached`;
}

