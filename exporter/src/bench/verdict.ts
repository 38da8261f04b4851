/**
 * The pass/fail rule of design 5, kept apart from the measuring so that it is read in one place.
 *
 * Error: ours may be at most 1.2x the floor's at p50 and at p99, plus an absolute slack of 1 ms —
 * on loopback the floor's error is a fraction of a millisecond, and 1.2x of almost nothing would
 * turn timer jitter into failures.
 * CPU per request: ours may exceed the floor's by at most 10%. "No more than the floor" is the
 * goal; the 10% is the run-to-run noise of process.cpuUsage over runs of a few seconds that we
 * observed on 2 cores (GC and JIT land in different runs), not a licence to be slower.
 * The 1,000-stream run checks that the error does not run away: the same error rule, CPU not judged.
 */
import type { ClientFigures } from './measure.js';

export const ERROR_RATIO = 1.2;
export const ERROR_SLACK_MS = 1;
export const CPU_RATIO = 1.1;

export interface LevelResult {
  concurrency: number;
  requests: number;
  floor: ClientFigures;
  ours: ClientFigures;
  ratios: { errorP50: number; errorP99: number; cpu: number };
  judgeCpu: boolean;
  failures: string[];
}

export function judge(concurrency: number, requests: number, floor: ClientFigures, ours: ClientFigures, judgeCpu: boolean): LevelResult {
  const failures: string[] = [];
  const errorBound = (f: number): number => Math.max(f, 0) * ERROR_RATIO + ERROR_SLACK_MS;
  if (!(ours.errorP50Ms <= errorBound(floor.errorP50Ms))) {
    failures.push(`p50 error ${ours.errorP50Ms.toFixed(2)} ms > ${errorBound(floor.errorP50Ms).toFixed(2)} ms`);
  }
  if (!(ours.errorP99Ms <= errorBound(floor.errorP99Ms))) {
    failures.push(`p99 error ${ours.errorP99Ms.toFixed(2)} ms > ${errorBound(floor.errorP99Ms).toFixed(2)} ms`);
  }
  if (judgeCpu && !(ours.cpuMicrosPerRequest <= floor.cpuMicrosPerRequest * CPU_RATIO)) {
    failures.push(`CPU ${ours.cpuMicrosPerRequest.toFixed(0)} us/request > ${(floor.cpuMicrosPerRequest * CPU_RATIO).toFixed(0)} us`);
  }
  if (ours.failures > 0 || floor.failures > 0) failures.push(`failed streams: ours ${ours.failures}, floor ${floor.failures}`);
  const ratio = (a: number, b: number): number => (b > 0 ? a / b : Number.NaN);
  return {
    concurrency,
    requests,
    floor,
    ours,
    ratios: {
      errorP50: ratio(ours.errorP50Ms, floor.errorP50Ms),
      errorP99: ratio(ours.errorP99Ms, floor.errorP99Ms),
      cpu: ratio(ours.cpuMicrosPerRequest, floor.cpuMicrosPerRequest),
    },
    judgeCpu,
    failures,
  };
}

export function table(levels: readonly LevelResult[]): string {
  const head = ['streams', 'requests', 'floor p50', 'ours p50', 'floor p99', 'ours p99', 'floor cpu/req', 'ours cpu/req', 'cpu ratio', 'verdict'];
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
    l.failures.length ? `FAIL: ${l.failures.join('; ')}` : 'ok',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
