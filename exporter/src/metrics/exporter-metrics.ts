import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, openMetricsContentType, type LabelValues, type OpenMetricsContentType } from 'prom-client';
import type { Outcome } from '../client/types.js';
import { OUTCOMES } from '../client/types.js';
import type { RequestRecord } from '../probe/types.js';
import type { ReplicaFigures, Role, Summary } from '../stats/types.js';
import { INTER_TOKEN_LATENCY_BUCKETS, REQUEST_DURATION_BUCKETS, TTFT_BUCKETS } from './buckets.js';
import { openMetricsToText } from './openmetrics-text.js';
import { WindowQuantiles } from './window-quantiles.js';

/**
 * The one module that names kvcanary's metrics, labels and buckets (design 4.3). Everything else hands
 * it measured data: requests as they finish, and two read-at-scrape-time sources (the sliding window's
 * summaries, the replica monitors' figures), so window gauges are exact at the moment of the scrape and
 * series for targets or replicas that are gone disappear with them.
 */

/** Cumulative, reset-corrected prefix-cache counters of one replica (tokens). */
export interface ReplicaCacheCounters {
  replica: string;
  hits: number;
  queries: number;
}

export interface ReplicaGpu {
  replica: string;
  gpu: string;
  /** 0-1. */
  utilization: number;
}

export interface ReplicaSnapshot {
  target: string;
  figures: readonly ReplicaFigures[];
  cacheCounters: readonly ReplicaCacheCounters[];
  gpus: readonly ReplicaGpu[];
}

export interface MetricsSources {
  /** One summary per target over its current window (turn keys already capped). */
  windowSummaries(): readonly Summary[];
  replicaSnapshots(): readonly ReplicaSnapshot[];
}

export interface ExporterMetricsOptions {
  version: string;
  sources: MetricsSources;
  /** Turns at or past the cap share one label value, `${cap}+`. */
  turnCap: number;
  /** Distinct replica label values per target from probe headers; more share `other`. */
  maxReplicasPerTarget: number;
  /** Node process and runtime metrics; off in unit tests that compare whole expositions. */
  defaultMetrics?: boolean;
}

export const OPENMETRICS_CONTENT_TYPE = Registry.OPENMETRICS_CONTENT_TYPE;
export const TEXT_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** Replica label for probe responses past the per-target bound (or with no usable header value). */
export const OTHER_REPLICA = 'other';

/** Header values become label values: printable, short, never a URL with credentials in it. */
export function replicaLabel(value: string): string | null {
  const v = value.trim();
  return /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/.test(v) ? v : null;
}

export class ExporterMetrics {
  /** OpenMetrics mode from the start: exemplars only exist on metrics created in such a registry. */
  readonly registry = new Registry<OpenMetricsContentType>();
  private readonly ttft: Histogram<'target' | 'model' | 'turn' | 'doc_type'>;
  private readonly duration: Histogram<'target' | 'model' | 'doc_type'>;
  private readonly itl: Histogram<'target' | 'model'>;
  private readonly requests: Counter<'target' | 'model' | 'outcome'>;
  private readonly conversations: Counter<'target' | 'outcome'>;
  private readonly promptTokens: Counter<'target' | 'model'>;
  private readonly completionTokens: Counter<'target' | 'model'>;
  private readonly cachedTokens: Counter<'target' | 'model'>;
  private readonly targetUp: Gauge<'target'>;
  private readonly lastSuccess: Gauge<'target'>;
  private readonly targetInfo: Gauge<'target' | 'role'>;
  /** target -> replica label -> probe requests it served. */
  private readonly probeCounts = new Map<string, Map<string, number>>();

  constructor(private readonly options: ExporterMetricsOptions) {
    this.registry.setContentType(openMetricsContentType);
    const registers = [this.registry];
    const { sources } = options;
    if (options.defaultMetrics !== false) {
      collectDefaultMetrics({ register: this.registry });
      // prom-client names these gauges *_total, which `promtool check metrics` rejects (only counters
      // may end in _total); the handle and request counts are not worth a failing lint.
      for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) this.registry.removeSingleMetric(name);
    }

    this.ttft = new Histogram({
      name: 'kvcanary_ttft_seconds',
      help: 'Time to first content token of canary requests, by turn (capped) and document type.',
      labelNames: ['target', 'model', 'turn', 'doc_type'],
      buckets: [...TTFT_BUCKETS],
      enableExemplars: true,
      registers,
    });
    this.duration = new Histogram({
      name: 'kvcanary_request_duration_seconds',
      help: 'Time from sending a canary request to the end of its stream.',
      labelNames: ['target', 'model', 'doc_type'],
      buckets: [...REQUEST_DURATION_BUCKETS],
      registers,
    });
    this.itl = new Histogram({
      name: 'kvcanary_inter_token_latency_seconds',
      help: 'Mean gap between streamed content chunks of a canary request (one observation per request).',
      labelNames: ['target', 'model'],
      buckets: [...INTER_TOKEN_LATENCY_BUCKETS],
      registers,
    });
    this.requests = new Counter({ name: 'kvcanary_requests_total', help: 'Canary requests by outcome.', labelNames: ['target', 'model', 'outcome'], registers });
    this.conversations = new Counter({ name: 'kvcanary_conversations_total', help: 'Canary conversations finished, by outcome (success, or the outcome of the first failed turn).', labelNames: ['target', 'outcome'], registers });
    this.promptTokens = new Counter({ name: 'kvcanary_prompt_tokens_total', help: 'Prompt tokens reported by the target in stream usage.', labelNames: ['target', 'model'], registers });
    this.completionTokens = new Counter({ name: 'kvcanary_completion_tokens_total', help: 'Completion tokens reported by the target in stream usage.', labelNames: ['target', 'model'], registers });
    this.cachedTokens = new Counter({ name: 'kvcanary_cached_prompt_tokens_total', help: 'Prompt tokens the target reported as served from its prefix cache (usage.prompt_tokens_details.cached_tokens).', labelNames: ['target', 'model'], registers });

    const windowGauge = (name: string, help: string, labelNames: string[], fill: (g: Gauge, s: Summary) => void): void => {
      const gauge: Gauge = new Gauge({
        name,
        help,
        labelNames,
        registers,
        collect() {
          gauge.reset();
          for (const s of sources.windowSummaries()) fill(gauge, s);
        },
      });
    };
    new WindowQuantiles(() => sources.windowSummaries(), registers);
    windowGauge('kvcanary_ttft_turn_window_seconds', 'Mean TTFT by turn (capped) over the sliding window.', ['target', 'turn'], (g, s) => {
      for (const t of s.byTurn) g.set({ target: s.target, turn: t.key }, t.meanMs / 1000);
    });
    windowGauge('kvcanary_cache_speedup_ratio', 'First-turn mean TTFT / later-turns mean TTFT over the sliding window.', ['target'], (g, s) => {
      if (s.cacheSpeedup !== null) g.set({ target: s.target }, s.cacheSpeedup);
    });
    windowGauge('kvcanary_turn_affinity_ratio', "Share of later turns served by the previous turn's replica, over the sliding window.", ['target'], (g, s) => {
      if (s.turnAffinity !== null) g.set({ target: s.target }, s.turnAffinity);
    });

    const replicaGauge = (name: string, help: string, value: (f: ReplicaFigures) => number | null): void => {
      const gauge: Gauge = new Gauge({
        name,
        help,
        labelNames: ['target', 'replica'],
        registers,
        collect() {
          gauge.reset();
          for (const snap of sources.replicaSnapshots())
            for (const f of snap.figures) {
              const v = value(f);
              if (v !== null) gauge.set({ target: snap.target, replica: f.name }, v);
            }
        },
      });
    };
    replicaGauge('kvcanary_replica_up', 'Whether the last scrape of the replica /metrics succeeded.', (f) => (f.up ? 1 : 0));
    replicaGauge('kvcanary_replica_prefix_cache_hit_ratio', 'Prefix-cache hits / queries over the last 5 minutes, from the replica counters\' increases (as rate() would), never lifetime totals.', (f) => f.prefixCacheHitRatio);
    replicaGauge('kvcanary_replica_kv_cache_usage_ratio', 'KV-cache usage of the replica, 0-1.', (f) => f.kvCacheUsage);
    replicaGauge('kvcanary_replica_requests_running', 'Requests running on the replica.', (f) => f.running);
    replicaGauge('kvcanary_replica_requests_waiting', 'Requests waiting in the replica queue.', (f) => f.waiting);

    const gpu: Gauge = new Gauge({
      name: 'kvcanary_replica_gpu_utilization_ratio',
      help: 'GPU utilisation of the replica from DCGM (DCGM_FI_DEV_GPU_UTIL / 100).',
      labelNames: ['target', 'replica', 'gpu'],
      registers,
      collect() {
        gpu.reset();
        for (const snap of sources.replicaSnapshots()) for (const g of snap.gpus) gpu.set({ target: snap.target, replica: g.replica, gpu: g.gpu }, g.utilization);
      },
    });
    const cacheCounter = (name: string, help: string, pick: (c: ReplicaCacheCounters) => number): void => {
      const counter: Counter = new Counter({
        name,
        help,
        labelNames: ['target', 'replica'],
        registers,
        collect() {
          counter.reset();
          for (const snap of sources.replicaSnapshots()) for (const c of snap.cacheCounters) counter.inc({ target: snap.target, replica: c.replica }, pick(c));
        },
      });
    };
    cacheCounter('kvcanary_replica_prefix_cache_hits_total', 'Prefix-cache hits of the replica (tokens), reset-corrected since the exporter started.', (c) => c.hits);
    cacheCounter('kvcanary_replica_prefix_cache_queries_total', 'Prefix-cache queries of the replica (tokens), reset-corrected since the exporter started.', (c) => c.queries);

    const probeCounts = this.probeCounts;
    const probes: Counter = new Counter({
      name: 'kvcanary_replica_probe_requests_total',
      help: 'Canary requests attributed to a replica by its response header.',
      labelNames: ['target', 'replica'],
      registers,
      collect() {
        probes.reset();
        for (const [target, byReplica] of probeCounts) for (const [replica, n] of byReplica) probes.inc({ target, replica }, n);
      },
    });

    this.targetUp = new Gauge({ name: 'kvcanary_target_up', help: 'Whether the last canary request to the target succeeded.', labelNames: ['target'], registers });
    this.lastSuccess = new Gauge({ name: 'kvcanary_last_success_timestamp_seconds', help: 'Unix time of the last successful canary request to the target.', labelNames: ['target'], registers });
    this.targetInfo = new Gauge({ name: 'kvcanary_target_info', help: 'Configured targets and their role in the comparison (baseline, candidate or none); always 1.', labelNames: ['target', 'role'], registers });
    const build = new Gauge({ name: 'kvcanary_build_info', help: 'kvcanary version; always 1.', labelNames: ['version'], registers });
    build.set({ version: options.version }, 1);
  }

  /** Declares the targets so their series exist (at 0) before the first request finishes. */
  setTargets(targets: readonly { name: string; role: Role | null }[]): void {
    this.targetInfo.reset();
    for (const t of targets) {
      this.targetInfo.set({ target: t.name, role: t.role ?? 'none' }, 1);
      this.targetUp.set({ target: t.name }, 0);
    }
  }

  /** Model label known (resolved from /models): pre-create the counters so rate() sees them from zero. */
  initTarget(target: string, model: string): void {
    for (const outcome of OUTCOMES) this.requests.inc({ target, model, outcome }, 0);
    for (const c of [this.promptTokens, this.completionTokens, this.cachedTokens]) c.inc({ target, model }, 0);
    for (const outcome of OUTCOMES) this.conversations.inc({ target, outcome }, 0);
  }

  observeRequest(r: RequestRecord, model: string): void {
    const { target } = r;
    this.requests.inc({ target, model, outcome: r.outcome });
    if (r.promptTokens) this.promptTokens.inc({ target, model }, r.promptTokens);
    if (r.completionTokens) this.completionTokens.inc({ target, model }, r.completionTokens);
    if (r.cachedTokens) this.cachedTokens.inc({ target, model }, r.cachedTokens);
    if (r.replica !== undefined) this.countProbe(target, r.replica);
    if (r.outcome === 'success' && r.ttftMs !== undefined) {
      const turn = r.turn >= this.options.turnCap ? `${this.options.turnCap}+` : String(r.turn);
      this.ttft.observe({
        labels: { target, model, turn, doc_type: r.docType },
        value: r.ttftMs / 1000,
        // The conversation id links a slow bucket to its conversation in the logs and the JSON report.
        // (prom-client 15's typings wrongly tie exemplar label names to the metric's own label names.)
        exemplarLabels: { conversation_id: `${target}/${r.conversation}`.slice(0, 100) } as unknown as LabelValues<'target'>,
      });
      this.duration.observe({ target, model, doc_type: r.docType }, r.totalMs / 1000);
      if (r.itlMs !== undefined) this.itl.observe({ target, model }, r.itlMs / 1000);
      this.targetUp.set({ target }, 1);
      this.lastSuccess.set({ target }, (r.startedAt + r.totalMs) / 1000);
    } else if (r.outcome !== 'cancelled') {
      this.targetUp.set({ target }, 0);
    }
  }

  /** A conversation's outcome is its first failed turn's outcome, or success when every turn succeeded. */
  observeConversation(target: string, outcome: Outcome): void {
    this.conversations.inc({ target, outcome });
  }

  /** Drops probe counts of replicas that monitoring no longer lists (scaled down, rescheduled). */
  retainReplicas(target: string, replicas: readonly string[]): void {
    const byReplica = this.probeCounts.get(target);
    if (!byReplica || replicas.length === 0) return;
    const keep = new Set(replicas);
    for (const name of byReplica.keys()) if (!keep.has(name) && name !== OTHER_REPLICA) byReplica.delete(name);
  }

  private countProbe(target: string, header: string): void {
    let byReplica = this.probeCounts.get(target);
    if (!byReplica) this.probeCounts.set(target, (byReplica = new Map()));
    let name = replicaLabel(header) ?? OTHER_REPLICA;
    if (!byReplica.has(name) && byReplica.size >= this.options.maxReplicasPerTarget) name = OTHER_REPLICA;
    byReplica.set(name, (byReplica.get(name) ?? 0) + 1);
  }

  /** Probe counts per replica for /api/v1/summary (the same numbers as the counter). */
  probeRequests(target: string): ReadonlyMap<string, number> {
    return this.probeCounts.get(target) ?? new Map();
  }

  /** The exposition in the format the scraper asked for: OpenMetrics (with exemplars) or text 0.0.4. */
  async render(accept: string | undefined): Promise<{ contentType: string; body: string }> {
    const om = await this.registry.metrics();
    if (wantsOpenMetrics(accept)) return { contentType: OPENMETRICS_CONTENT_TYPE, body: om };
    return { contentType: TEXT_CONTENT_TYPE, body: openMetricsToText(om) };
  }
}

/** Prometheus asks for `application/openmetrics-text;version=1.0.0` first; plain text otherwise. */
export function wantsOpenMetrics(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => {
    const [type, ...params] = part.split(';').map((s) => s.trim());
    if (type !== 'application/openmetrics-text') return false;
    const q = params.find((p) => p.startsWith('q='));
    const version = params.find((p) => p.startsWith('version='));
    return (q === undefined || Number(q.slice(2)) > 0) && (version === undefined || version === 'version=1.0.0');
  });
}

