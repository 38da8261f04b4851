/**
 * Per-replica figures for one target: discovers the replicas, scrapes each one's /metrics (and a
 * DCGM exporter and the endpoint picker, if configured) every interval, and keeps the figures the
 * exporter exposes. It never
 * throws into the exporter: a failing replica is `up: false`, a failing discovery keeps its list.
 * Label cardinality is bounded: at most `maxReplicas` replicas, named by the contract's
 * replicaLabelValue (the same rule as response headers, so one pod meets itself on one series), GPUs
 * per replica capped. A replica that leaves discovery is forgotten here, with its probe counts, at the
 * end of the scrape cycle that noticed; readers only ever see snapshots.
 */
import { setMaxListeners } from 'node:events';
import { Agent } from 'undici';
import { replicaLabelValue } from '@kvcanary/contract';
import type { SchedulerView } from '@kvcanary/contract/schemas';
import type { Clock } from '../util/clock.js';
import { gpuReadings, gpusOfPod, type GpuReading } from './dcgm.js';
import { EXPECTED_PICKER_NAMES, readPickerPage, type PickerPage } from './endpoint-picker.js';
import { EXPECTED_ENGINE_NAMES, normalise } from './normalise.js';
import { applyScrape, markDown, newReplicaState, snapshotOf, type ReplicaState } from './replica-state.js';
import type { ScrapeResult } from './scrape.js';
import { dropOutOfRange } from './range-check.js';
import { localScraper, type ScrapeRequest, type Scraper } from './scraper.js';
import { errorMessage, silentLogger, type Logger } from '../util/logger.js';
import type { ProbeCounts } from './probe-counts.js';
import type { Replica, ReplicaSnapshot, ReplicaSource } from './types.js';

export interface ReplicaMonitorOptions {
  /** The target's name, for log lines only (the exporter adds the `target` label). */
  target: string;
  source: ReplicaSource;
  /** A DCGM exporter's /metrics; its `pod` (and `namespace`) labels are matched to the replica. */
  dcgmUrl?: string;
  /** The target's endpoint picker /metrics: what the scheduler believes about each pod. */
  endpointPickerUrl?: string;
  /** The engine figures (the replicas' own TTFT, queue and prefill times) are taken over this window: the summary's. */
  engineWindowMs: number;
  intervalMs: number;
  timeoutMs: number;
  maxBodyBytes: number;
  maxReplicas: number;
  clock: Clock;
  logger?: Logger;
  /** The target's probe counts: joined into the snapshots, and forgotten with a replica that leaves. */
  probes: ProbeCounts;
  /** Where pages are fetched and parsed; default: in this thread, over the monitor's own pool. */
  scraper?: Scraper;
}

export interface ReplicaMonitor {
  start(): void;
  stop(): Promise<void>;
  scrapeOnce(): Promise<void>;
  /** Every kept replica as it is now, sorted by name; reading changes nothing. */
  snapshot(): ReplicaSnapshot[];
  /** The endpoint picker's pool figures; null when the target names no picker. */
  scheduler(): SchedulerView | null;
}

const MAX_GPUS_PER_REPLICA = 16;
const SCRAPE_CONCURRENCY = 16;
/**
 * Every scrape in flight listens on the monitor's abort signal, and so does the sleep between cycles:
 * at most SCRAPE_CONCURRENCY + 1 at once. Node warns from 11 (MaxListenersExceededWarning, a non-JSON
 * line on stderr), so the signal is told its real bound.
 */
const SIGNAL_LISTENERS = SCRAPE_CONCURRENCY + 1;

/** The endpoint picker as last scraped. */
interface PickerState {
  up: boolean;
  lastFailure: string | null;
  page: PickerPage | null;
}

export function createReplicaMonitor(options: ReplicaMonitorOptions): ReplicaMonitor {
  const logger = options.logger ?? silentLogger;
  const log = { target: options.target };
  const states = new Map<string, ReplicaState>();
  let dcgm: GpuReading[] | null = null;
  let dcgmFailure: string | null = null;
  let dcgmUnmappedLogged = false;
  let picker: PickerState | null = options.endpointPickerUrl ? { up: false, lastFailure: null, page: null } : null;
  let pickerNotesLogged = '';
  let lastDropped = '';
  let dispatcher: Agent | null = null;
  let cycle: Promise<void> | null = null;
  let loop: Promise<void> | null = null;
  const newAbort = (): AbortController => {
    const controller = new AbortController();
    setMaxListeners(SIGNAL_LISTENERS, controller.signal);
    return controller;
  };
  let abort = newAbort();

  const pool = (): Agent => (dispatcher ??= new Agent({ keepAliveTimeout: Math.max(options.intervalMs * 2, 4_000) }));
  const scraper = options.scraper ?? localScraper(pool);

  /** The scrape's result, or null when the scraper itself failed: that says nothing about the page. */
  async function scrape(request: ScrapeRequest, signal: AbortSignal): Promise<ScrapeResult | null> {
    try {
      return await scraper(request, signal);
    } catch (err) {
      logger.warn({ ...log, err: errorMessage(err) }, 'scraper failed; the last good figures are kept');
      return null;
    }
  }

  async function discover(): Promise<Replica[]> {
    let listed: Replica[];
    try {
      listed = await options.source.list();
    } catch (err) {
      // Sources promise not to throw; if one does anyway, keep what we have.
      logger.warn({ ...log, err: errorMessage(err) }, 'replica discovery failed; keeping the last known replicas');
      return [...states.values()].map((s) => ({ name: s.sourceName, metricsUrl: s.metricsUrl, ...(s.namespace !== undefined ? { namespace: s.namespace } : {}) }));
    }
    return listed;
  }

  /** Names, de-duplicates and bounds the discovered list; returns the kept replicas by label value. */
  function bound(listed: Replica[]): Map<string, Replica> {
    const byName = new Map<string, Replica>();
    const sorted = [...listed].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const dropped: string[] = [];
    for (const r of sorted) {
      const name = replicaLabelValue(r.name);
      if (name === null) dropped.push('(blank name)');
      else if (byName.has(name)) dropped.push(`${name} (duplicate)`);
      else if (byName.size >= options.maxReplicas) dropped.push(name);
      else byName.set(name, r);
    }
    const key = dropped.join(',');
    if (key !== lastDropped && dropped.length > 0) {
      logger.warn(
        { ...log, maxReplicas: options.maxReplicas, dropped: dropped.slice(0, 20), droppedCount: dropped.length },
        'replicas over the bound were dropped',
      );
    }
    lastDropped = key;
    return byName;
  }

  function reconcile(kept: Map<string, Replica>): void {
    for (const name of [...states.keys()]) {
      const wanted = kept.get(name);
      const state = states.get(name);
      if (wanted && state && wanted.metricsUrl === state.metricsUrl) continue;
      if (wanted && state) {
        // Same name, new address (a StatefulSet pod recreated): its counters restart lower, which
        // the delta tracker reads as a reset, so the series simply goes on.
        state.metricsUrl = wanted.metricsUrl;
        state.sourceName = wanted.name;
        if (wanted.namespace !== undefined) state.namespace = wanted.namespace;
        continue;
      }
      // The one way a replica leaves: its state and its probe counts go, so every series of it is
      // absent from the next render.
      states.delete(name);
      options.probes.forget(name);
      logger.info({ ...log, replica: name }, 'replica left discovery; forgetting it');
    }
    for (const [name, r] of kept) if (!states.has(name)) states.set(name, newReplicaState(name, r, options.engineWindowMs));
  }

  async function scrapeReplica(state: ReplicaState, signal: AbortSignal): Promise<void> {
    const result = await scrape({ url: state.metricsUrl, timeoutMs: options.timeoutMs, maxBodyBytes: options.maxBodyBytes, family: 'engine' }, signal);
    // A scrape cut short by stop(), or lost with a failed worker, says nothing about the replica: keep what we knew.
    if (signal.aborted || result === null) return;
    if (!result.ok) {
      if (state.up || state.lastFailure !== result.reason) {
        logger.warn({ ...log, replica: state.name, reason: result.reason }, 'replica scrape failed');
      }
      markDown(state, result.reason);
      return;
    }
    if (!state.up && state.lastFailure !== null) logger.info({ ...log, replica: state.name }, 'replica scrape recovered');
    const { figures: raw, dropped } = dropOutOfRange(normalise(result.samples));
    if (raw.engine === null && !state.unknownPageLogged) {
      logger.warn({ ...log, replica: state.name, expected: EXPECTED_ENGINE_NAMES }, 'replica page carries none of the engine metrics kvcanary reads; its figures stay empty');
    }
    state.unknownPageLogged = raw.engine === null;
    const own = new Map(gpuReadings(result.samples).map((g) => [g.gpu, g.utilization]));
    dropped.push(...applyScrape(state, raw, capGpus(own), options.clock.now()));
    for (const d of dropped) {
      if (state.rangeWarned.has(d.figure)) continue;
      state.rangeWarned.add(d.figure);
      logger.warn({ ...log, replica: state.name, figure: d.figure, value: d.value }, 'replica figure out of range; dropped, not exported');
    }
  }

  async function scrapeDcgm(url: string, signal: AbortSignal): Promise<void> {
    const result = await scrape({ url, timeoutMs: options.timeoutMs, maxBodyBytes: options.maxBodyBytes, family: 'dcgm' }, signal);
    if (signal.aborted || result === null) return;
    if (!result.ok) {
      if (dcgmFailure !== result.reason) logger.warn({ ...log, reason: result.reason }, 'DCGM exporter scrape failed');
      dcgm = null;
      dcgmFailure = result.reason;
      return;
    }
    if (dcgmFailure !== null) logger.info(log, 'DCGM exporter scrape recovered');
    dcgmFailure = null;
    dcgm = gpuReadings(result.samples);
    const unmapped = dcgm.length > 0 && dcgm.every((g) => g.pod === null);
    if (unmapped && !dcgmUnmappedLogged) {
      logger.warn(
        { ...log, gpus: dcgm.length },
        'DCGM GPUs carry no pod label (pod/pod_name empty or absent: dcgm-exporter runs without its Kubernetes pod mapping); GPU utilisation cannot be matched to replicas',
      );
    }
    dcgmUnmappedLogged = unmapped;
  }

  async function scrapePicker(url: string, signal: AbortSignal): Promise<void> {
    const result = await scrape({ url, timeoutMs: options.timeoutMs, maxBodyBytes: options.maxBodyBytes, family: 'picker' }, signal);
    if (signal.aborted || result === null || picker === null) return;
    if (!result.ok) {
      if (picker.up || picker.lastFailure !== result.reason) logger.warn({ ...log, reason: result.reason }, 'endpoint picker scrape failed');
      picker = { up: false, lastFailure: result.reason, page: null };
      return;
    }
    const page = readPickerPage(result.samples);
    picker = { up: true, lastFailure: null, page };
    const notes = !page.recognised ? 'unrecognised' : page.pools.length > 1 ? `pools:${page.pools.join(',')}` : '';
    if (notes !== pickerNotesLogged && notes !== '') {
      if (page.recognised) logger.warn({ ...log, pools: page.pools }, 'endpoint picker page covers several pools; its pool-level figures are left out');
      else logger.warn({ ...log, expected: EXPECTED_PICKER_NAMES }, 'endpoint picker page carries none of the scheduler metrics kvcanary reads');
    }
    pickerNotesLogged = notes;
  }

  async function runCycle(): Promise<void> {
    const signal = abort.signal;
    reconcile(bound(await discover()));
    const jobs: Array<() => Promise<void>> = [...states.values()].map((s) => () => scrapeReplica(s, signal));
    const { dcgmUrl, endpointPickerUrl } = options;
    if (dcgmUrl) jobs.push(() => scrapeDcgm(dcgmUrl, signal));
    if (endpointPickerUrl) jobs.push(() => scrapePicker(endpointPickerUrl, signal));
    await runLimited(jobs, SCRAPE_CONCURRENCY);
  }

  function gpusOf(state: ReplicaState): Map<string, number> {
    const fromDcgm = dcgm ? capGpus(gpusOfPod(dcgm, state.sourceName, state.namespace)) : null;
    return fromDcgm && fromDcgm.size > 0 ? fromDcgm : state.ownGpus;
  }

  const ordered = (): ReplicaState[] => [...states.values()].sort((a, b) => (a.name < b.name ? -1 : 1));

  const monitor: ReplicaMonitor = {
    scrapeOnce() {
      // One cycle at a time: a caller arriving mid-cycle shares it instead of doubling the load.
      cycle ??= runCycle()
        .catch((err: unknown) => logger.error({ ...log, err: errorMessage(err) }, 'replica scrape cycle failed'))
        .finally(() => {
          cycle = null;
        });
      return cycle;
    },
    start() {
      if (loop) return;
      abort = newAbort();
      const signal = abort.signal;
      loop = (async () => {
        while (!signal.aborted) {
          await monitor.scrapeOnce();
          await options.clock.sleep(options.intervalMs, signal);
        }
      })();
    },
    async stop() {
      abort.abort();
      await loop;
      await cycle;
      loop = null;
      const agent = dispatcher;
      dispatcher = null;
      await agent?.destroy().catch(() => undefined);
      await options.source.close?.();
      // A fresh signal, so scrapeOnce() after stop() still works (e.g. a one-off /probe).
      abort = newAbort();
    },
    snapshot() {
      const queues = picker?.up ? picker.page?.queueByPod : undefined;
      return ordered().map((s) =>
        snapshotOf(s, {
          gpus: s.up ? [...gpusOf(s)].map(([gpu, utilization]) => ({ gpu, utilization })) : [],
          probeRequests: options.probes.get(s.name),
          schedulerQueue: queues?.get(s.sourceName) ?? null,
        }),
      );
    },
    scheduler() {
      if (picker === null) return null;
      const pool = picker.page?.pool;
      return { up: picker.up, kvCacheUsage: pool?.kvCacheUsage ?? null, averageQueueSize: pool?.averageQueueSize ?? null, requestsRunning: pool?.requestsRunning ?? null };
    },
  };
  return monitor;
}

function capGpus(gpus: Map<string, number>): Map<string, number> {
  if (gpus.size <= MAX_GPUS_PER_REPLICA) return gpus;
  const keys = [...gpus.keys()].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return new Map(keys.slice(0, MAX_GPUS_PER_REPLICA).map((k) => [k, gpus.get(k) ?? 0]));
}

async function runLimited(jobs: Array<() => Promise<void>>, limit: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const job = jobs[next++];
      await job?.();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
}
