/** Load generation and the figures of one run: bounded loops, exact nearest-rank percentiles. */

export type StreamFn = () => Promise<{ id: string; ttftMs: number } | undefined>;

export interface RunSample {
  /** Measured TTFT per response id. */
  measured: Map<string, number>;
  failures: number;
  /** User + system CPU of this process during the run, in microseconds. */
  cpuMicros: number;
  wallMs: number;
}

/** `total` streams, at most `concurrency` in flight, each worker starting the next as one ends. */
export async function runLoad(stream: StreamFn, concurrency: number, total: number): Promise<RunSample> {
  const measured = new Map<string, number>();
  let issued = 0;
  let failures = 0;
  const worker = async (): Promise<void> => {
    while (issued < total) {
      issued++;
      const r = await stream();
      if (r) measured.set(r.id, r.ttftMs);
      else failures++;
    }
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  const cpu = process.cpuUsage(cpu0);
  return { measured, failures, cpuMicros: cpu.user + cpu.system, wallMs: performance.now() - t0 };
}

/** Pool several runs of one client (the rounds of one level) into one sample. */
export function mergeRuns(runs: readonly RunSample[]): RunSample {
  const measured = new Map<string, number>();
  let failures = 0;
  let cpuMicros = 0;
  let wallMs = 0;
  for (const r of runs) {
    for (const [id, v] of r.measured) measured.set(id, v);
    failures += r.failures;
    cpuMicros += r.cpuMicros;
    wallMs += r.wallMs;
  }
  return { measured, failures, cpuMicros, wallMs };
}

/**
 * Nearest-rank percentile (the smallest value with at least p of the data at or below it). Not the
 * reference tool's rule (stats/percentile.ts): these are the client benchmark's own error figures,
 * only ever compared with each other within one run.
 */
export function nearestRankPercentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[rank - 1] as number;
}

export interface ClientFigures {
  samples: number;
  failures: number;
  errorP50Ms: number;
  errorP99Ms: number;
  errorMaxMs: number;
  cpuMicrosPerRequest: number;
  wallMs: number;
}

/** Error = measured TTFT minus the server's true TTFT, matched by response id. */
export function figures(run: RunSample, truth: ReadonlyMap<string, number>): ClientFigures {
  const errors: number[] = [];
  let unmatched = 0;
  for (const [id, ttft] of run.measured) {
    const t = truth.get(id);
    if (t === undefined) unmatched++;
    else errors.push(ttft - t);
  }
  errors.sort((a, b) => a - b);
  const requests = run.measured.size + run.failures;
  return {
    samples: errors.length,
    failures: run.failures + unmatched,
    errorP50Ms: nearestRankPercentile(errors, 0.5),
    errorP99Ms: nearestRankPercentile(errors, 0.99),
    errorMaxMs: errors.length ? (errors[errors.length - 1] as number) : Number.NaN,
    cpuMicrosPerRequest: requests ? run.cpuMicros / requests : Number.NaN,
    wallMs: run.wallMs,
  };
}
