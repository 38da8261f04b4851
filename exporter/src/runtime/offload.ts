/**
 * The exporter's heavy work, kept off the event loop that timestamps first tokens: fetching and
 * parsing replica pages (tens of ms per MB, synchronous) and bootstrapping window intervals (most of
 * a second at a full window). `workerOffload` runs both in one worker thread (offload-worker.ts);
 * `localOffload` runs them here, which the worker itself uses, and which stands in when the worker's
 * module is not built (unit tests run from the TypeScript sources).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Agent } from 'undici';
import { localScraper, type ScrapeRequest, type Scraper } from '../replicas/scraper.js';
import type { ScrapeResult } from '../replicas/scrape.js';
import { bootstrapSample, type SampleIntervals, type TtftSample } from '../stats/bootstrap.js';
import { seededRandom } from '../util/random.js';
import { WorkerHost } from '../util/worker-host.js';

export interface IntervalsRequest {
  samples: readonly TtftSample[];
  seed: number;
  iterations: number;
}

export type OffloadCall = { kind: 'scrape'; request: ScrapeRequest } | { kind: 'intervals'; request: IntervalsRequest };

export interface Offload {
  scrape: Scraper;
  intervals(request: IntervalsRequest): Promise<SampleIntervals>;
  close(): Promise<void>;
}

/** The worker's heap bound: a window's samples and a few filtered pages need a few MB; a runaway dies alone. */
const WORKER_HEAP_MB = 128;
/** Scrapes of every target's replicas (64 each) and a few summaries may be in flight at once. */
export const MAX_PENDING = 1024;
/** A bootstrap at a full window takes under a second; one that has not answered in this long is a hang. */
const INTERVALS_DEADLINE_MS = 30_000;
/** Past the scrape's own timeout, how long the worker may take before it counts as hung. */
const SCRAPE_GRACE_MS = 5_000;

const WORKER_MODULE = new URL('./offload-worker.js', import.meta.url);

export function localOffload(): Offload {
  let agent: Agent | null = null;
  const scrape = localScraper(() => (agent ??= new Agent({ keepAliveTimeout: 30_000 })));
  return {
    scrape,
    intervals: async (r) => bootstrapSample(r.samples, { random: seededRandom(r.seed), iterations: r.iterations }),
    close: async () => {
      await agent?.destroy().catch(() => undefined);
      agent = null;
    },
  };
}

/** Runs a local offload's call: the worker's whole job. */
export function runOffloadCall(offload: Offload, call: OffloadCall, signal: AbortSignal): Promise<ScrapeResult | SampleIntervals> {
  return call.kind === 'scrape' ? offload.scrape(call.request, signal) : offload.intervals(call.request);
}

/**
 * The worker-backed offload. A scrape cancelled by its caller is not cancelled in the worker: it
 * ends there at its own timeout, and its answer is dropped here.
 */
export function workerOffload(options: { onRestart(reason: string): void; script?: URL }): Offload {
  const script = options.script ?? WORKER_MODULE;
  if (!existsSync(fileURLToPath(script))) return localOffload();
  const host = new WorkerHost<OffloadCall, ScrapeResult | SampleIntervals>({ script, maxHeapMb: WORKER_HEAP_MB, maxPending: MAX_PENDING, onRestart: options.onRestart });
  return {
    scrape: async (request) => (await host.call({ kind: 'scrape', request }, request.timeoutMs + SCRAPE_GRACE_MS)) as ScrapeResult,
    intervals: async (request) => (await host.call({ kind: 'intervals', request }, INTERVALS_DEADLINE_MS)) as SampleIntervals,
    close: () => host.close(),
  };
}
