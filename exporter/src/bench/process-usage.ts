/**
 * A measured process's CPU and memory: at exit from the process itself (child-usage.ts, getrusage),
 * and while it runs from /proc/<pid>/stat and /proc/<pid>/status (Linux proc(5): utime and stime are
 * fields 14 and 15, in clock ticks; VmRSS is the resident set in kB).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Names the file a preloaded child-usage.ts writes its {@link ProcessUsage} to. */
export const USAGE_FILE_ENV = 'KVCANARY_BENCH_USAGE_FILE';

export interface ProcessUsage {
  /** User + system CPU over the process's whole life, all threads. */
  cpuMs: number;
  peakRssMb: number;
}

/** utime + stime of a /proc/<pid>/stat line, in clock ticks. The command name may hold spaces and ')'. */
export function statCpuTicks(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime (14) and stime (15) are at 11 and 12.
  const ticks = Number(fields[11]) + Number(fields[12]);
  if (!Number.isFinite(ticks)) throw new Error(`unreadable /proc stat line: ${stat.slice(0, 80)}`);
  return ticks;
}

/** VmRSS of a /proc/<pid>/status text, in MB. */
export function statusRssMb(status: string): number {
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  if (kb === undefined) throw new Error('no VmRSS line in /proc status');
  return Number(kb) / 1024;
}

let ticksPerSecond: number | undefined;

/** sysconf(_SC_CLK_TCK), the unit of /proc CPU times. */
function clockTicksPerSecond(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  if (!(ticksPerSecond > 0)) throw new Error('getconf CLK_TCK gave no tick rate');
  return ticksPerSecond;
}

/** CPU the running process `pid` has used so far, all threads, in ms (clock-tick resolution). */
export function cpuMsOf(pid: number): number {
  return (statCpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')) * 1000) / clockTicksPerSecond();
}

export function rssMbOf(pid: number): number {
  return statusRssMb(readFileSync(`/proc/${pid}/status`, 'utf8'));
}
