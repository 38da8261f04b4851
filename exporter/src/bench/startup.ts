/** What starting the CLI costs: `kvcanary bench --help` against a bare `node -e 0`, CPU to exit. */
import { distribution } from '../stats/percentile.js';
import { finished, startMeasured } from './measured-process.js';
import type { ProcessUsage } from './process-usage.js';
import type { StartupResult } from './results.js';
import { CLI } from './serve-run.js';

async function usageOf(script: string, args: readonly string[], scratch: string, what: string): Promise<ProcessUsage> {
  const exit = await finished(startMeasured(script, args, scratch), what, 60_000);
  if (!exit.usage) throw new Error(`${what} did not report its usage`);
  return exit.usage;
}

const median = (values: readonly number[]): number => distribution(values)?.p50 ?? Number.NaN;

/** `runs` of each, alternating, so that a disturbed second hits both alike; medians reported. */
export async function startup(runs: number, scratch: string): Promise<StartupResult> {
  const node: number[] = [];
  const help: ProcessUsage[] = [];
  for (let i = 0; i < runs; i++) {
    node.push((await usageOf('-e', ['0'], scratch, 'node -e 0')).cpuMs);
    help.push(await usageOf(CLI, ['bench', '--help'], scratch, 'kvcanary bench --help'));
  }
  return { runs, nodeCpuMs: median(node), helpCpuMs: median(help.map((u) => u.cpuMs)), helpPeakRssMb: median(help.map((u) => u.peakRssMb)) };
}
