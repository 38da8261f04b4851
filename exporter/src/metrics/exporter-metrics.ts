import { Counter, Registry, collectDefaultMetrics, openMetricsContentType, type LabelValues, type MetricObject, type OpenMetricsContentType } from 'prom-client';
import { ENGINE_PHASES, MODEL_LOOKUP_ERROR, NO_ROLE, OUTCOMES, SUCCESS, UNKNOWN_MODEL, exporterMetrics as m, turnLabel, type Outcome, type Role } from '@kvcanary/contract';
import type { RequestRecord, Summary } from '@kvcanary/contract/schemas';
import type { TargetReplicas } from '../replicas/index.js';
import { counter, gauge, histogram } from './from-contract.js';
import { openMetricsToText } from './openmetrics-text.js';
import { WindowQuantiles } from './window-quantiles.js';

/**
 * The exporter's long-lived registry, every series built from the contract's `exporterMetrics`
 * definitions. It is handed measured data as requests finish, and reads two sources at scrape time
 * (the sliding windows' summaries and the targets' replicas), so window gauges are exact at the moment
 * of the scrape and the series of a target's replica that is gone are simply not there at the next.
 * A render reads; it never changes what it reads.
 */
export interface MetricsSources {
  /** One summary per target over its current window (turn keys already capped). */
  windowSummaries(): readonly Summary[];
  replicas(): readonly TargetReplicas[];
}

export interface ExporterMetricsOptions {
  version: string;
  /** The `vantage` label of every series (contract/src/metrics.ts). */
  vantage: string;
  sources: MetricsSources;
  /** Turns at or past the cap share one label value (the contract's turnLabel). */
  turnCap: number;
  /** Node process and runtime metrics; off in unit tests that compare whole expositions. */
  defaultMetrics?: boolean;
}

export const OPENMETRICS_CONTENT_TYPE = Registry.OPENMETRICS_CONTENT_TYPE;
export const TEXT_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** prom-client names these gauges *_total, which `promtool check metrics` rejects (only counters may end in _total). */
const NODE_GAUGES_NAMED_TOTAL = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export class ExporterMetrics {
  /** OpenMetrics mode from the start: exemplars only exist on metrics created in such a registry. */
  readonly registry = new Registry<OpenMetricsContentType>();
  private readonly ttft;
  private readonly ttfc;
  private readonly duration;
  private readonly itl;
  private readonly requests;
  private readonly conversations;
  private readonly promptTokens;
  private readonly completionTokens;
  private readonly cachedTokens;
  private readonly targetUp;
  private readonly lastSuccess;
  private readonly targetInfo;
  /** Every family by the name it was registered under, taken before any render renamed a counter. */
  private readonly registered: [string, MetricObject][];

  constructor(private readonly options: ExporterMetricsOptions) {
    const { registry } = this;
    registry.setContentType(openMetricsContentType);
    // One place for the label every series carries, node's own metrics included: two exporters never collide.
    registry.setDefaultLabels({ vantage: options.vantage });
    const { sources } = options;
    if (options.defaultMetrics !== false) {
      collectDefaultMetrics({ register: registry });
      for (const name of NODE_GAUGES_NAMED_TOTAL) registry.removeSingleMetric(name);
    }

    this.ttft = histogram(m.ttft, registry, { enableExemplars: true });
    this.ttfc = histogram(m.timeToFirstContent, registry);
    this.duration = histogram(m.requestDuration, registry);
    this.itl = histogram(m.interTokenLatency, registry);
    this.requests = counter(m.requests, registry);
    this.conversations = counter(m.conversations, registry);
    this.promptTokens = counter(m.promptTokens, registry);
    this.completionTokens = counter(m.completionTokens, registry);
    this.cachedTokens = counter(m.cachedPromptTokens, registry);

    new WindowQuantiles(() => sources.windowSummaries(), registry);
    gauge(m.ttftTurnWindow, registry, (g) => {
      for (const s of sources.windowSummaries()) for (const t of s.byTurn) g.set({ target: s.target, turn: t.key }, t.meanMs / 1000);
    });
    gauge(m.cacheSpeedup, registry, (g) => {
      for (const s of sources.windowSummaries()) if (s.cacheSpeedup !== null) g.set({ target: s.target }, s.cacheSpeedup);
    });
    gauge(m.turnAffinity, registry, (g) => {
      for (const s of sources.windowSummaries()) if (s.turnAffinity !== null) g.set({ target: s.target }, s.turnAffinity);
    });

    const perReplica = (each: (target: string, replica: TargetReplicas['replicas'][number]) => void): void => {
      for (const t of sources.replicas()) for (const r of t.replicas) each(t.target, r);
    };
    const figure = (definition: typeof m.replicaUp, value: (f: TargetReplicas['replicas'][number]['figures']) => number | null): void => {
      gauge(definition, registry, (g) =>
        perReplica((target, r) => {
          const v = value(r.figures);
          if (v !== null) g.set({ target, replica: r.figures.name }, v);
        }),
      );
    };
    figure(m.replicaUp, (f) => (f.up ? 1 : 0));
    figure(m.replicaPrefixCacheHitRatio, (f) => f.prefixCacheHitRatio);
    figure(m.replicaKvCacheUsage, (f) => f.kvCacheUsage);
    figure(m.replicaRequestsRunning, (f) => f.running);
    figure(m.replicaRequestsWaiting, (f) => f.waiting);
    gauge(m.replicaGpuUtilization, registry, (g) =>
      perReplica((target, r) => {
        for (const { gpu, utilization } of r.gpus) g.set({ target, replica: r.figures.name, gpu }, utilization);
      }),
    );
    figure(m.replicaPrefixCacheEnabled, (f) => (f.prefixCache === 'unknown' ? null : f.prefixCache === 'enabled' ? 1 : 0));
    figure(m.replicaSchedulerQueue, (f) => f.schedulerQueue);
    // Counters exist only for replicas whose page has them: a 0 would read as "no hits", not "not reported".
    counter(m.replicaPrefixCacheHits, registry, (c) =>
      perReplica((target, r) => {
        if (r.prefixCacheCounters) c.inc({ target, replica: r.figures.name }, r.prefixCacheCounters.hits);
      }),
    );
    counter(m.replicaPrefixCacheQueries, registry, (c) =>
      perReplica((target, r) => {
        if (r.prefixCacheCounters) c.inc({ target, replica: r.figures.name }, r.prefixCacheCounters.queries);
      }),
    );
    const perPhase = (definition: typeof m.replicaEnginePhaseSeconds, part: 'seconds' | 'requests'): void => {
      counter(definition, registry, (c) =>
        perReplica((target, r) => {
          for (const phase of ENGINE_PHASES) {
            const totals = r.phaseTotals[phase];
            if (totals) c.inc({ target, replica: r.figures.name, phase }, totals[part]);
          }
        }),
      );
    };
    perPhase(m.replicaEnginePhaseSeconds, 'seconds');
    perPhase(m.replicaEnginePhaseRequests, 'requests');
    counter(m.replicaPreemptions, registry, (c) =>
      perReplica((target, r) => {
        if (r.preemptions !== null) c.inc({ target, replica: r.figures.name }, r.preemptions);
      }),
    );
    counter(m.replicaProbeRequests, registry, (c) => {
      for (const t of sources.replicas()) for (const [replica, n] of t.probeRequests) c.inc({ target: t.target, replica }, n);
    });

    const scheduler = (definition: typeof m.schedulerUp, value: (v: NonNullable<TargetReplicas['scheduler']>) => number | null): void => {
      gauge(definition, registry, (g) => {
        for (const t of sources.replicas()) {
          const v = t.scheduler ? value(t.scheduler) : null;
          if (v !== null) g.set({ target: t.target }, v);
        }
      });
    };
    scheduler(m.schedulerUp, (v) => (v.up ? 1 : 0));
    scheduler(m.schedulerKvCacheUsage, (v) => v.kvCacheUsage);
    scheduler(m.schedulerAverageQueue, (v) => v.averageQueueSize);
    scheduler(m.schedulerRequestsRunning, (v) => v.requestsRunning);

    this.targetUp = gauge(m.targetUp, registry);
    this.lastSuccess = gauge(m.lastSuccess, registry);
    this.targetInfo = gauge(m.targetInfo, registry);
    gauge(m.buildInfo, registry).set({ version: options.version }, 1);
    this.registered = registry.getMetricsAsArray().map((metric) => [metric.name, metric]);
  }

  /**
   * Declares the targets, so that every target's series exist (at 0) from the start, before its
   * first request and even when its model lookup never succeeds: the error-ratio alert and rate()
   * see a target from zero. A model still to be discovered is labelled UNKNOWN_MODEL until then.
   * Each target's info carries its role and the digest of the workload it runs (rules compare a
   * target's figures over time only within one workload).
   */
  setTargets(targets: readonly { name: string; role: Role | null; model: string | null }[], workload: string): void {
    this.targetInfo.reset();
    for (const t of targets) {
      this.targetInfo.set({ target: t.name, role: t.role ?? NO_ROLE, workload }, 1);
      this.targetUp.set({ target: t.name }, 0);
      this.declareModelSeries(t.name, t.model ?? UNKNOWN_MODEL);
      // A conversation never ends in a model lookup error: no conversation starts without a model.
      for (const outcome of OUTCOMES) if (outcome !== MODEL_LOOKUP_ERROR) this.conversations.inc({ target: t.name, outcome }, 0);
    }
  }

  /**
   * The model of a target is known now: its UNKNOWN_MODEL series go (so a target never has two
   * model's worth of series; Prometheus keeps their history, failed lookups included) and the same
   * series start at 0 under the model.
   */
  modelDiscovered(target: string, model: string): void {
    for (const outcome of OUTCOMES) this.requests.remove({ target, model: UNKNOWN_MODEL, outcome });
    for (const c of [this.promptTokens, this.completionTokens, this.cachedTokens]) c.remove({ target, model: UNKNOWN_MODEL });
    this.declareModelSeries(target, model);
  }

  /** One failed GET /models of a target whose model is being discovered: a request that failed. */
  observeModelLookupFailure(target: string): void {
    this.requests.inc({ target, model: UNKNOWN_MODEL, outcome: MODEL_LOOKUP_ERROR });
  }

  /** kvcanary_target_up, as the runtime defines it over the target's recent requests. */
  setTargetUp(target: string, up: boolean): void {
    this.targetUp.set({ target }, up ? 1 : 0);
  }

  /**
   * Not the cached-token counter: it appears with the first response that reports cached tokens, so a
   * target that never does has none (not reported), rather than a 0 that reads as "nothing cached".
   */
  private declareModelSeries(target: string, model: string): void {
    for (const outcome of OUTCOMES) this.requests.inc({ target, model, outcome }, 0);
    for (const c of [this.promptTokens, this.completionTokens]) c.inc({ target, model }, 0);
  }

  /** A request that was never sent (its outcome says why): counted, nothing measured. */
  countUnsent(target: string, model: string, outcome: Outcome): void {
    this.requests.inc({ target, model, outcome });
    this.targetUp.set({ target }, 0);
  }

  observeRequest(r: RequestRecord, model: string): void {
    const { target } = r;
    this.requests.inc({ target, model, outcome: r.outcome });
    if (r.promptTokens) this.promptTokens.inc({ target, model }, r.promptTokens);
    if (r.completionTokens) this.completionTokens.inc({ target, model }, r.completionTokens);
    if (r.cachedTokens !== undefined) this.cachedTokens.inc({ target, model }, r.cachedTokens);
    if (r.outcome === SUCCESS && r.ttftMs !== undefined) {
      this.ttft.observe({
        labels: { target, model, turn: turnLabel(r.turn, this.options.turnCap), doc_type: r.docType },
        value: r.ttftMs / 1000,
        // The conversation id links a slow bucket to its conversation in the logs and the JSON report.
        // (prom-client 15's typings wrongly tie exemplar label names to the metric's own label names.)
        exemplarLabels: { conversation_id: `${target}/${r.conversation}`.slice(0, 100) } as unknown as LabelValues<'target'>,
      });
      if (r.ttfcMs !== undefined) this.ttfc.observe({ target, model }, r.ttfcMs / 1000);
      this.duration.observe({ target, model, doc_type: r.docType }, r.totalMs / 1000);
      if (r.itlMs !== undefined) this.itl.observe({ target, model }, r.itlMs / 1000);
      this.lastSuccess.set({ target }, (r.startedAt + r.totalMs) / 1000);
    }
  }

  /** A conversation's outcome is its first failed turn's outcome, or success when every turn succeeded. */
  observeConversation(target: string, outcome: Outcome): void {
    this.conversations.inc({ target, outcome });
  }

  /**
   * The exposition in the format the scraper asked for: OpenMetrics (with exemplars) or text 0.0.4.
   * Byte for byte what `registry.metrics()` (and its text conversion) write, but built one family at
   * a time with the event loop let through between families: at 8 targets x 64 replicas a whole
   * render takes tens of ms, which in one stretch would delay the first tokens arriving meanwhile.
   */
  async render(accept: string | undefined): Promise<{ contentType: string; body: string }> {
    if (wantsOpenMetrics(accept)) return { contentType: OPENMETRICS_CONTENT_TYPE, body: `${(await this.families((om) => om)).join('\n')}\n# EOF\n` };
    // Each family converted alone and joined by a blank line is the conversion of the whole.
    return { contentType: TEXT_CONTENT_TYPE, body: (await this.families(openMetricsToText)).join('\n') };
  }

  /**
   * Every family's OpenMetrics text, passed through `each`, yielding after each. Families are taken by
   * their registered names: like `metrics()`, OpenMetrics drops a counter's `_total` from the name it
   * writes, after which that name no longer finds the family.
   */
  private async families(each: (om: string) => string): Promise<string[]> {
    const parts: string[] = [];
    for (const [key, metric] of this.registered) {
      if (this.registry.getSingleMetric(key) instanceof Counter) metric.name = metric.name.replace(/_total$/, '');
      parts.push(each(await this.registry.getSingleMetricAsString(key)));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return parts;
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
