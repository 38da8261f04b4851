/**
 * `kvcanary serve` as a sidecar: its footprint at the default pacing over a long run (CPU share of
 * one core and RSS, read from /proc while it runs, with a Prometheus-like scrape of /metrics), and
 * the time and size of a /metrics render at a large cardinality.
 */
import { exporterMetrics } from '@kvcanary/contract';
import { distribution } from '../stats/percentile.js';
import type { RunContext } from './clients.js';
import { PROMETHEUS_ACCEPT, sampleValues } from './exposition.js';
import { tailOf } from './figures.js';
import { httpGet } from './http-get.js';
import { startPages, type Pages } from './pages.js';
import type { FootprintResult, MetricsRenderResult } from './results.js';
import { serveUrl, SHUTDOWN_GRACE, startServe, stopServe, type ConfigFile } from './serve-run.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const staticReplicas = (pages: Pages): { name: string; url: string }[] => pages.urls.map((url, i) => ({ name: `replica-${i}`, url }));

function commonConfig(ctx: RunContext): Pick<ConfigFile, 'corpus' | 'shutdownGrace'> {
  return { ...(ctx.corpusDir === null ? {} : { corpus: { dir: ctx.corpusDir } }), shutdownGrace: SHUTDOWN_GRACE };
}

async function scrape(url: string): Promise<{ body: string; ms: number; bytes: number }> {
  const got = await httpGet(`${url}/metrics`, { accept: PROMETHEUS_ACCEPT });
  if (got.status !== 200) throw new Error(`GET /metrics answered ${got.status}`);
  return { body: got.body.toString('utf8'), ms: got.ms, bytes: got.body.length };
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
const mean = (values: readonly number[]): number => sum(values) / values.length;

export interface FootprintPlan {
  seconds: number;
  sampleSeconds: number;
  /** How often the harness scrapes /metrics, as a Prometheus would. */
  scrapeSeconds: number;
  replicas: number;
  pageBytes: number;
}

interface Sample {
  at: number;
  cpuMs: number;
  rssMb: number;
}

/** CPU share and mean RSS over `count` consecutive slices of the samples (neighbours share their boundary sample). */
function slices(samples: readonly Sample[], count: number): { cpuShare: number; rssMb: number }[] {
  if (samples.length <= count) throw new Error(`${samples.length} footprint samples cannot make ${count} slices`);
  return Array.from({ length: count }, (_, k) => {
    const slice = samples.slice(Math.floor((k * (samples.length - 1)) / count), Math.floor(((k + 1) * (samples.length - 1)) / count) + 1);
    const a = slice[0] as Sample;
    const b = slice[slice.length - 1] as Sample;
    return { cpuShare: (b.cpuMs - a.cpuMs) / (b.at - a.at), rssMb: mean(slice.map((s) => s.rssMb)) };
  });
}

export async function footprint(ctx: RunContext, plan: FootprintPlan, progress: (line: string) => void): Promise<FootprintResult> {
  const pages = await startPages(Array.from({ length: plan.replicas }, () => plan.pageBytes));
  try {
    const config: ConfigFile = {
      targets: [{ name: 'ground-truth', url: ctx.truth.baseUrl, replicas: { static: staticReplicas(pages) } }],
      pacing: { seed: ctx.seed },
      ...commonConfig(ctx),
    };
    const p = startServe(config, ctx.scratch);
    try {
      const url = await serveUrl(p);
      const samples: Sample[] = [];
      const started = performance.now();
      const end = started + plan.seconds * 1000;
      let nextScrape = started;
      let nextProgress = started + 60_000;
      let lastBody = '';
      while (performance.now() < end) {
        const now = performance.now();
        samples.push({ at: now, cpuMs: p.cpuMs(), rssMb: p.rssMb() });
        if (now >= nextScrape) {
          lastBody = (await scrape(url)).body;
          nextScrape += plan.scrapeSeconds * 1000;
        }
        if (now >= nextProgress) {
          const s = samples[samples.length - 1] as Sample;
          progress(`footprint: ${Math.round((now - started) / 60_000)} of ${Math.round(plan.seconds / 60)} min, RSS ${s.rssMb.toFixed(0)} MB`);
          nextProgress += 60_000;
        }
        await sleep(Math.min(plan.sampleSeconds * 1000, Math.max(0, end - performance.now())));
      }
      samples.push({ at: performance.now(), cpuMs: p.cpuMs(), rssMb: p.rssMb() });
      lastBody = (await scrape(url)).body;
      await stopServe(p);
      // The first tenth holds start-up, model discovery and the first conversations' cold turns.
      const steady = samples.slice(Math.floor(samples.length / 10));
      const a = steady[0] as Sample;
      const b = steady[steady.length - 1] as Sample;
      const quarters = slices(steady, 4);
      return {
        seconds: plan.seconds,
        replicas: plan.replicas,
        pageBytes: plan.pageBytes,
        metricsScrapeSeconds: plan.scrapeSeconds,
        requests: sum(sampleValues(lastBody, exporterMetrics.requests.name)),
        cpuShare: (b.cpuMs - a.cpuMs) / (b.at - a.at),
        rssMb: { first: a.rssMb, last: b.rssMb, max: Math.max(...samples.map((s) => s.rssMb)) },
        quarters,
        rssRatio: (quarters[3] as { rssMb: number }).rssMb / (quarters[1] as { rssMb: number }).rssMb,
      };
    } finally {
      await p.stop('SIGKILL', 1000);
    }
  } finally {
    pages.stop();
  }
}

export interface RenderPlan {
  targets: number;
  turns: number;
  replicasPerTarget: number;
  pageBytes: number;
  /** Document types in the corpus: the TTFT series expected per target and turn. */
  docTypes: number;
  scrapes: number;
  /** Longer than the exporter's one-second reuse of window summaries, so that each scrape renders afresh. */
  scrapeGapMs: number;
  coverageTimeoutMs: number;
}

/** /metrics timed (request to last byte, over loopback) once every target has every turn and type and every replica. */
export async function metricsRender(ctx: RunContext, plan: RenderPlan, progress: (line: string) => void): Promise<MetricsRenderResult> {
  const pages = await startPages(Array.from({ length: plan.replicasPerTarget }, () => plan.pageBytes));
  try {
    const replicas = staticReplicas(pages);
    const config: ConfigFile = {
      targets: Array.from({ length: plan.targets }, (_, i) => ({ name: `target-${i}`, url: ctx.truth.baseUrl, replicas: { static: replicas } })),
      pacing: { concurrency: 2, turns: plan.turns, thinkTime: { min: '0s', max: '0s' }, seed: ctx.seed },
      replicaScrape: { maxReplicas: plan.replicasPerTarget },
      ...commonConfig(ctx),
    };
    const p = startServe(config, ctx.scratch);
    try {
      const url = await serveUrl(p);
      const wantTtft = plan.targets * plan.turns * plan.docTypes;
      const wantReplicas = plan.targets * plan.replicasPerTarget;
      const ttftSeries = (body: string): number => sampleValues(body, `${exporterMetrics.ttft.name}_count`).length;
      const replicasUp = (body: string): number => sampleValues(body, exporterMetrics.replicaUp.name).filter((v) => v === 1).length;
      const deadline = performance.now() + plan.coverageTimeoutMs;
      let body = (await scrape(url)).body;
      while ((ttftSeries(body) < wantTtft || replicasUp(body) < wantReplicas) && performance.now() < deadline) {
        await sleep(1000);
        body = (await scrape(url)).body;
      }
      progress(`/metrics: ${ttftSeries(body)} of ${wantTtft} TTFT series, ${replicasUp(body)} of ${wantReplicas} replicas up; timing ${plan.scrapes} scrapes`);
      const times: number[] = [];
      let bytes = 0;
      for (let i = 0; i < plan.scrapes; i++) {
        await sleep(plan.scrapeGapMs);
        const s = await scrape(url);
        times.push(s.ms);
        bytes = s.bytes;
        body = s.body;
      }
      await stopServe(p);
      const render = distribution(times);
      if (!render) throw new Error('no /metrics scrape was timed');
      return {
        targets: plan.targets,
        turns: plan.turns,
        docTypes: plan.docTypes,
        replicasPerTarget: plan.replicasPerTarget,
        ttftSeries: ttftSeries(body),
        replicasUp: replicasUp(body),
        scrapes: plan.scrapes,
        renderMs: tailOf(render),
        bytes,
      };
    } finally {
      await p.stop('SIGKILL', 1000);
    }
  } finally {
    pages.stop();
  }
}
