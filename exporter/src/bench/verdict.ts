/**
 * The pass/fail rule of `npm run bench`, kept apart from the measuring so that it is read in one place.
 *
 * Error: ours may be at most 1.2x the floor's at p50 and at p99, plus an absolute slack of 1 ms —
 * on loopback the floor's error is a fraction of a millisecond, and 1.2x of almost nothing would
 * turn timer jitter into failures.
 * CPU per request: ours may exceed the floor's by at most 10%. "No more than the floor" is the
 * goal; the 10% is the run-to-run noise of process.cpuUsage over runs of a few seconds that we
 * observed on 2 cores (GC and JIT land in different runs), not a licence to be slower.
 * The 1,000-stream run checks that the error does not run away: the same error rule, CPU not judged.
 *
 * How CPU is judged: each level runs in rounds, floor and ours alternating (ABBA order), and the
 * CPU ratio is taken per pair of adjacent runs. At 4 and 16 streams a request costs ~1 ms of CPU
 * spread over ~18 wake-ups, and whole-run readings of either client move by up to 2x from run to run
 * (background GC/JIT threads, other load on the machine); a pooled ratio then says more about which
 * client drew the noisy seconds than about the clients. The verdict uses the median of the paired
 * per-round ratios (robust to a disturbed round), and the report carries their spread. The bar
 * itself (1.1x) is unchanged. The error bars are judged on percentiles of all rounds pooled: a
 * per-round p99 of a few dozen samples would only be a maximum.
 */
import type { ClientFigures } from './measure.js';

export const ERROR_RATIO = 1.2;
export const ERROR_SLACK_MS = 1;
export const CPU_RATIO = 1.1;

/** Spread of the paired per-round CPU ratios (ours / floor) of one level. */
export interface RoundSpread {
  rounds: number;
  median: number;
  min: number;
  max: number;
  /** Every per-round ratio, in run order. */
  ratios: number[];
}

/** Median (mean of the middle two for an even count); NaN for no values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Paired per-round CPU ratios: round i of ours over round i of floor (rounds alternate order, so pairs are adjacent). */
export function roundSpread(floorCpu: readonly number[], oursCpu: readonly number[]): RoundSpread {
  const ratios: number[] = [];
  for (let i = 0; i < Math.min(floorCpu.length, oursCpu.length); i++) {
    const f = floorCpu[i] as number;
    if (f > 0) ratios.push((oursCpu[i] as number) / f);
  }
  return { rounds: ratios.length, median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios), ratios };
}

export interface LevelResult {
  concurrency: number;
  requests: number;
  floor: ClientFigures;
  ours: ClientFigures;
  /** cpu: the judged ratio (median of per-round ratios when rounds were given, else pooled); cpuPooled: total over total. */
  ratios: { errorP50: number; errorP99: number; cpu: number; cpuPooled: number };
  cpuRounds?: RoundSpread;
  judgeCpu: boolean;
  failures: string[];
}

export function judge(
  concurrency: number,
  requests: number,
  floor: ClientFigures,
  ours: ClientFigures,
  judgeCpu: boolean,
  cpuRounds?: RoundSpread,
): LevelResult {
  const failures: string[] = [];
  const ratio = (a: number, b: number): number => (b > 0 ? a / b : Number.NaN);
  const cpuPooled = ratio(ours.cpuMicrosPerRequest, floor.cpuMicrosPerRequest);
  const cpu = cpuRounds && cpuRounds.rounds > 0 ? cpuRounds.median : cpuPooled;
  const errorBound = (f: number): number => Math.max(f, 0) * ERROR_RATIO + ERROR_SLACK_MS;
  if (!(ours.errorP50Ms <= errorBound(floor.errorP50Ms))) {
    failures.push(`p50 error ${ours.errorP50Ms.toFixed(2)} ms > ${errorBound(floor.errorP50Ms).toFixed(2)} ms`);
  }
  if (!(ours.errorP99Ms <= errorBound(floor.errorP99Ms))) {
    failures.push(`p99 error ${ours.errorP99Ms.toFixed(2)} ms > ${errorBound(floor.errorP99Ms).toFixed(2)} ms`);
  }
  if (judgeCpu && !(cpu <= CPU_RATIO)) {
    failures.push(
      cpuRounds && cpuRounds.rounds > 0
        ? `CPU ratio ${cpu.toFixed(2)}x (median of ${cpuRounds.rounds} rounds) > ${CPU_RATIO}x`
        : `CPU ${ours.cpuMicrosPerRequest.toFixed(0)} us/request > ${(floor.cpuMicrosPerRequest * CPU_RATIO).toFixed(0)} us`,
    );
  }
  if (ours.failures > 0 || floor.failures > 0) failures.push(`failed streams: ours ${ours.failures}, floor ${floor.failures}`);
  const result: LevelResult = {
    concurrency,
    requests,
    floor,
    ours,
    ratios: { errorP50: ratio(ours.errorP50Ms, floor.errorP50Ms), errorP99: ratio(ours.errorP99Ms, floor.errorP99Ms), cpu, cpuPooled },
    judgeCpu,
    failures,
  };
  if (cpuRounds) result.cpuRounds = cpuRounds;
  return result;
}

export function table(levels: readonly LevelResult[]): string {
  const head = ['streams', 'requests', 'floor p50', 'ours p50', 'floor p99', 'ours p99', 'floor cpu/req', 'ours cpu/req', 'cpu ratio', 'rounds: min-max', 'verdict'];
  const rows = levels.map((l) => [
    String(l.concurrency),
    String(l.requests),
    `${l.floor.errorP50Ms.toFixed(2)} ms`,
    `${l.ours.errorP50Ms.toFixed(2)} ms`,
    `${l.floor.errorP99Ms.toFixed(2)} ms`,
    `${l.ours.errorP99Ms.toFixed(2)} ms`,
    `${l.floor.cpuMicrosPerRequest.toFixed(0)} us`,
    `${l.ours.cpuMicrosPerRequest.toFixed(0)} us`,
    `${l.ratios.cpu.toFixed(2)}x${l.judgeCpu ? '' : ' (not judged)'}`,
    l.cpuRounds ? `${l.cpuRounds.rounds}: ${l.cpuRounds.min.toFixed(2)}-${l.cpuRounds.max.toFixed(2)}x` : '',
    l.failures.length ? `FAIL: ${l.failures.join('; ')}` : 'ok',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
