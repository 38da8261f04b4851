/**
 * Per-replica figures for one target: discovers the replicas, scrapes each one's /metrics (and a
 * DCGM exporter, if configured) every interval, and keeps the figures the exporter exposes. It never
 * throws into the exporter: a failing replica is `up: false`, a failing discovery keeps its list.
 * Label cardinality is bounded: at most `maxReplicas` replicas, named by the contract's
 * replicaLabelValue (the same rule as response headers, so one pod meets itself on one series), GPUs
 * per replica capped. A replica that leaves discovery is forgotten here, with its probe counts, at the
 * end of the scrape cycle that noticed; readers only ever see snapshots.
 */
import { Agent } from 'undici';
import { replicaLabelValue } from '@kvcanary/contract';
import type { Clock } from '../util/clock.js';
import { PrefixCacheDeltas } from './counter-deltas.js';
import type { Sample } from './exposition-parser.js';
import { DCGM_GPU_UTIL, gpuRatios, isWantedMetric, normalise } from './normalise.js';
import { dropOutOfRange } from './range-check.js';
import { scrapeMetrics } from './scrape.js';
import { errorMessage, silentLogger, type Logger } from '../util/logger.js';
import type { ProbeCounts } from './probe-counts.js';
import type { Replica, ReplicaSnapshot, ReplicaSource } from './types.js';

export interface ReplicaMonitorOptions {
  /** The target's name, for log lines only (the exporter adds the `target` label). */
  target: string;
  source: ReplicaSource;
  /** A DCGM exporter's /metrics; its `pod` label is matched to the replica name. */
  dcgmUrl?: string;
  intervalMs: number;
  timeoutMs: number;
  maxBodyBytes: number;
  maxReplicas: number;
  clock: Clock;
  logger?: Logger;
  /** The target's probe counts: joined into the snapshots, and forgotten with a replica that leaves. */
  probes: ProbeCounts;
}

export interface ReplicaMonitor {
  start(): void;
  stop(): Promise<void>;
  scrapeOnce(): Promise<void>;
  /** Every kept replica as it is now, sorted by name; reading changes nothing. */
  snapshot(): ReplicaSnapshot[];
}

const MAX_GPUS_PER_REPLICA = 16;
const SCRAPE_CONCURRENCY = 16;

interface ReplicaState {
  name: string;
  /** The name as discovery gave it: DCGM's `pod` label is matched against this. */
  sourceName: string;
  metricsUrl: string;
  up: boolean;
  lastFailure: string | null;
  deltas: PrefixCacheDeltas;
  hitRatio: number | null;
  kvCacheUsage: number | null;
  running: number | null;
  waiting: number | null;
  /** DCGM-style utilisation found on the replica's own page (the simulator serves it there). */
  ownGpus: Map<string, number>;
  /** Figures already reported out of range: each is warned about once per replica, then dropped quietly. */
  rangeWarned: Set<string>;
}

export function createReplicaMonitor(options: ReplicaMonitorOptions): ReplicaMonitor {
  const logger = options.logger ?? silentLogger;
  const log = { target: options.target };
  const states = new Map<string, ReplicaState>();
  let dcgm: Map<string, Map<string, number>> | null = null;
  let lastDropped = '';
  let dispatcher: Agent | null = null;
  let cycle: Promise<void> | null = null;
  let loop: Promise<void> | null = null;
  let abort = new AbortController();

  const pool = (): Agent => (dispatcher ??= new Agent({ keepAliveTimeout: Math.max(options.intervalMs * 2, 4_000) }));

  async function discover(): Promise<Replica[]> {
    let listed: Replica[];
    try {
      listed = await options.source.list();
    } catch (err) {
      // Sources promise not to throw; if one does anyway, keep what we have.
      logger.warn({ ...log, err: errorMessage(err) }, 'replica discovery failed; keeping the last known replicas');
      return [...states.values()].map((s) => ({ name: s.sourceName, metricsUrl: s.metricsUrl }));
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
        continue;
      }
      // The one way a replica leaves: its state and its probe counts go, so every series of it is
      // absent from the next render.
      states.delete(name);
      options.probes.forget(name);
      logger.info({ ...log, replica: name }, 'replica left discovery; forgetting it');
    }
    for (const [name, r] of kept) if (!states.has(name)) states.set(name, newState(name, r));
  }

  async function scrapeReplica(state: ReplicaState, signal: AbortSignal): Promise<void> {
    const result = await scrapeMetrics(state.metricsUrl, {
      timeoutMs: options.timeoutMs,
      maxBodyBytes: options.maxBodyBytes,
      dispatcher: pool(),
      keep: isWantedMetric,
      signal,
    });
    // A scrape cut short by stop() says nothing about the replica: keep what we knew.
    if (signal.aborted) return;
    if (!result.ok) {
      if (state.up || state.lastFailure !== result.reason) {
        logger.warn({ ...log, replica: state.name, reason: result.reason }, 'replica scrape failed');
      }
      state.up = false;
      state.lastFailure = result.reason;
      // Stale figures would mislead; the counters keep their last values, so the next good
      // scrape measures its delta over the whole gap.
      state.hitRatio = state.kvCacheUsage = state.running = state.waiting = null;
      state.ownGpus = new Map();
      return;
    }
    if (!state.up && state.lastFailure !== null) logger.info({ ...log, replica: state.name }, 'replica scrape recovered');
    state.up = true;
    state.lastFailure = null;
    const { figures: raw, dropped } = dropOutOfRange(normalise(result.samples));
    const step = state.deltas.observe(raw.hits, raw.queries, options.clock.now());
    if (step.hitsOutgrewQueries) dropped.push({ figure: 'prefixCacheHits', value: step.hitsDelta });
    for (const d of dropped) {
      if (state.rangeWarned.has(d.figure)) continue;
      state.rangeWarned.add(d.figure);
      logger.warn({ ...log, replica: state.name, figure: d.figure, value: d.value }, 'replica figure out of range; dropped, not exported');
    }
    // Engines without counters (V0 before they existed, SGLang) only offer their own gauge.
    state.hitRatio = raw.hits && raw.queries ? step.ratio : raw.hitRateGauge;
    state.kvCacheUsage = raw.kvCacheUsage;
    state.running = raw.running;
    state.waiting = raw.waiting;
    state.ownGpus = capGpus(gpuRatios(result.samples));
  }

  async function scrapeDcgm(url: string, signal: AbortSignal): Promise<void> {
    const result = await scrapeMetrics(url, {
      timeoutMs: options.timeoutMs,
      maxBodyBytes: options.maxBodyBytes,
      dispatcher: pool(),
      keep: (name) => name === DCGM_GPU_UTIL,
      signal,
    });
    if (signal.aborted) return;
    if (!result.ok) {
      if (dcgm !== null) logger.warn({ ...log, reason: result.reason }, 'DCGM exporter scrape failed');
      dcgm = null;
      return;
    }
    const byPod = new Map<string, Sample[]>();
    for (const s of result.samples) {
      const pod = s.labels.pod;
      if (!pod) continue;
      const list = byPod.get(pod);
      if (list) list.push(s);
      else byPod.set(pod, [s]);
    }
    dcgm = new Map([...byPod].map(([pod, samples]) => [pod, capGpus(gpuRatios(samples))]));
  }

  async function runCycle(): Promise<void> {
    const signal = abort.signal;
    reconcile(bound(await discover()));
    const jobs: Array<() => Promise<void>> = [...states.values()].map((s) => () => scrapeReplica(s, signal));
    const dcgmUrl = options.dcgmUrl;
    if (dcgmUrl) jobs.push(() => scrapeDcgm(dcgmUrl, signal));
    await runLimited(jobs, SCRAPE_CONCURRENCY);
  }

  function gpusOf(state: ReplicaState): Map<string, number> {
    const fromDcgm = dcgm?.get(state.sourceName);
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
      abort = new AbortController();
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
      abort = new AbortController();
    },
    snapshot() {
      return ordered().map((s) => {
        const gpus = s.up ? [...gpusOf(s)].map(([gpu, utilization]) => ({ gpu, utilization })) : [];
        return {
          figures: {
            name: s.name,
            up: s.up,
            prefixCacheHitRatio: s.hitRatio,
            kvCacheUsage: s.kvCacheUsage,
            running: s.running,
            waiting: s.waiting,
            gpuUtilization: gpus.length > 0 ? gpus.reduce((sum, g) => sum + g.utilization, 0) / gpus.length : null,
            probeRequests: options.probes.get(s.name),
          },
          prefixCacheHits: s.deltas.hitsTotal,
          prefixCacheQueries: s.deltas.queriesTotal,
          gpus,
        };
      });
    },
  };
  return monitor;
}

function newState(name: string, r: Replica): ReplicaState {
  return {
    name,
    sourceName: r.name,
    metricsUrl: r.metricsUrl,
    up: false,
    lastFailure: null,
    deltas: new PrefixCacheDeltas(),
    hitRatio: null,
    kvCacheUsage: null,
    running: null,
    waiting: null,
    ownGpus: new Map(),
    rangeWarned: new Set(),
  };
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
