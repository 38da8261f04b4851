/**
 * Does the exporter's own work move the TTFTs it measures? `kvcanary serve` runs the same measured
 * conversations twice: idle (no replicas, nobody reading its API), and busy — big replica pages to
 * parse, the standalone page's `/api/v1/summary` poll every second, `/metrics` scraped every 2 s.
 * The busy run's TTFT error may be at most 1.2x the idle run's plus 0.5 ms (issue 11, part 2).
 */
import { exporterMetrics } from '@kvcanary/contract';
import { runServe, type LevelPlan, type RunContext } from './clients.js';
import { PROMETHEUS_ACCEPT, sampleValues } from './exposition.js';
import { httpGet } from './http-get.js';
import { startPages } from './pages.js';
import type { ClientRun, InterferenceResult, TtftFigures } from './results.js';

/** Five times the standalone page's own poll (POLL_MS in panel-plugin/src/standalone/StandaloneApp.tsx): a few pages open. */
const SUMMARY_POLL_MS = 1000;
const METRICS_SCRAPE_MS = 2000;

export interface InterferencePlan extends LevelPlan {
  pages: { bytes: number; count: number }[];
}

const figuresOf = (run: ClientRun): TtftFigures => ({
  requests: run.requests,
  failures: run.failures,
  ttftMs: run.ttftMs,
  truthMs: run.truthMs,
  errorMs: run.errorMs,
  cpuMsPerRequest: run.cpuMsPerRequest,
});

/** GETs `path` every `everyMs` (one at a time) until `stop` aborts; resolves with the number answered 200. */
async function poll(url: string, everyMs: number, stop: AbortSignal, headers: Record<string, string> = {}): Promise<number> {
  let answered = 0;
  let due = performance.now();
  while (!stop.aborted) {
    const got = await httpGet(url, headers).catch(() => null);
    if (got?.status === 200) answered++;
    due += everyMs;
    await new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        stop.removeEventListener('abort', wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(0, due - performance.now()));
      stop.addEventListener('abort', wake);
    });
  }
  return answered;
}

export async function interference(ctx: RunContext, plan: InterferencePlan, progress: (line: string) => void): Promise<InterferenceResult> {
  const idle = await runServe(ctx, plan);
  progress(`interference: idle run done, p99 error ${idle.errorMs.p99.toFixed(1)} ms; busy run next`);
  const sizes = plan.pages.flatMap((p) => Array.from({ length: p.count }, () => p.bytes));
  const pages = await startPages(sizes);
  let summaryPolls = 0;
  let metricsScrapes = 0;
  let replicasUp = 0;
  try {
    const busy = await runServe(ctx, plan, {
      replicas: pages.urls.map((url, i) => ({ name: `replica-${i}`, url })),
      load: async (url, measuring) => {
        [summaryPolls, metricsScrapes] = await Promise.all([
          poll(`${url}/api/v1/summary`, SUMMARY_POLL_MS, measuring),
          poll(`${url}/metrics`, METRICS_SCRAPE_MS, measuring, { accept: PROMETHEUS_ACCEPT }),
        ]);
      },
      beforeStop: async (url) => {
        const body = (await httpGet(`${url}/metrics`)).body.toString('utf8');
        replicasUp = sampleValues(body, exporterMetrics.replicaUp.name).filter((v) => v === 1).length;
      },
    });
    return { idle: figuresOf(idle), busy: figuresOf(busy), pages: plan.pages, replicasUp, summaryPolls, metricsScrapes };
  } finally {
    pages.stop();
  }
}
