/**
 * The pass/fail rule of `npm run bench -- --soak`, apart from the measuring.
 *
 * Memory is flat: after the warm-up (the windows and caches have filled), every checkpoint's heap
 * (after a full collection) and RSS stay within ±5 % of their reading at the end of the warm-up.
 * Series are bounded: no checkpoint after the warm-up exposes more series than the most seen during
 * it, plus 5 % (replica figures come and go as pages are garbled). Exactly once: every request the
 * simulated routers routed is counted once by the exporter, no more, no less.
 */
export const MEMORY_BAND = 0.05;
export const SERIES_SLACK = 0.05;

export interface Checkpoint {
  conversations: number;
  seconds: number;
  heapBytes: number;
  rssBytes: number;
  series: number;
}

export interface SoakCounts {
  /** Requests the simulated routers routed. */
  routed: number;
  /** Requests the exporter counted, all outcomes (model lookups aside). */
  counted: number;
}

export interface SoakVerdict {
  passed: boolean;
  failures: string[];
  /** Largest deviation from the warm-up reading after the warm-up, as a signed fraction. */
  heapDrift: number;
  rssDrift: number;
  seriesWarmUpMax: number;
  seriesAfterMax: number;
}

function drift(base: number, values: readonly number[]): number {
  return values.reduce((worst, v) => (Math.abs(v / base - 1) > Math.abs(worst) ? v / base - 1 : worst), 0);
}

const percent = (x: number): string => `${(x * 100).toFixed(1)} %`;

/** `warmUp` checkpoints come first; the last of them is the reference. */
export function judgeSoak(checkpoints: readonly Checkpoint[], warmUp: number, counts: SoakCounts): SoakVerdict {
  const failures: string[] = [];
  const before = checkpoints.slice(0, warmUp);
  const after = checkpoints.slice(warmUp);
  const reference = before.at(-1);
  if (reference === undefined || after.length === 0) {
    return { passed: false, failures: ['not enough checkpoints to judge'], heapDrift: Number.NaN, rssDrift: Number.NaN, seriesWarmUpMax: 0, seriesAfterMax: 0 };
  }
  const heapDrift = drift(reference.heapBytes, after.map((c) => c.heapBytes));
  const rssDrift = drift(reference.rssBytes, after.map((c) => c.rssBytes));
  if (Math.abs(heapDrift) > MEMORY_BAND) failures.push(`heap moved ${percent(heapDrift)} after the warm-up (bar ±${percent(MEMORY_BAND)})`);
  if (Math.abs(rssDrift) > MEMORY_BAND) failures.push(`RSS moved ${percent(rssDrift)} after the warm-up (bar ±${percent(MEMORY_BAND)})`);
  const seriesWarmUpMax = Math.max(...before.map((c) => c.series));
  const seriesAfterMax = Math.max(...after.map((c) => c.series));
  if (seriesAfterMax > seriesWarmUpMax * (1 + SERIES_SLACK)) failures.push(`series grew from at most ${seriesWarmUpMax} to ${seriesAfterMax}`);
  if (counts.routed !== counts.counted) failures.push(`the routers routed ${counts.routed} requests, the exporter counted ${counts.counted}`);
  return { passed: failures.length === 0, failures, heapDrift, rssDrift, seriesWarmUpMax, seriesAfterMax };
}
