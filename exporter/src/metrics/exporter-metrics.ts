import { Registry, collectDefaultMetrics, openMetricsContentType, type LabelValues, type Metric, type OpenMetricsContentType } from 'prom-client';
import { MODEL_LOOKUP_ERROR, NO_ROLE, OUTCOMES, SUCCESS, UNKNOWN_MODEL, exporterMetrics as m, turnLabel, type Outcome, type Role } from '@kvcanary/contract';
import type { RequestRecord, Summary } from '@kvcanary/contract/schemas';
import type { TargetReplicas } from '../replicas/index.js';
import { PromClientWriter, exposition, type ExpositionFormat } from './exposition.js';
import { counter, gauge, histogram, readMetric } from './from-contract.js';
import { readFamilies } from './read-families.js';
import { ReadFamily, type RenderSnapshot } from './read-family.js';

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
  /** The families written from each render's snapshot, by the metric registered for them. */
  private readonly readFamilies = new Map<Metric, ReadFamily>();
  private readonly writer: PromClientWriter;
  /** Every family in the registry's order. */
  private readonly served: Metric[];

  constructor(private readonly options: ExporterMetricsOptions) {
    const { registry } = this;
    registry.setContentType(openMetricsContentType);
    // One place for the label every series carries, node's own metrics included: two exporters never collide.
    const defaultLabels = { vantage: options.vantage };
    registry.setDefaultLabels(defaultLabels);
    this.writer = new PromClientWriter(defaultLabels);
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

    const fresh = (): RenderSnapshot => ({ windows: sources.windowSummaries(), replicas: sources.replicas() });
    for (const [definition, rows] of readFamilies()) {
      const family = new ReadFamily(definition, rows, defaultLabels);
      this.readFamilies.set(readMetric(definition, registry, () => family.values(fresh())), family);
    }

    this.targetUp = gauge(m.targetUp, registry);
    this.lastSuccess = gauge(m.lastSuccess, registry);
    this.targetInfo = gauge(m.targetInfo, registry);
    gauge(m.buildInfo, registry).set({ version: options.version }, 1);
    // Taken now, by the names they were registered under: prom-client's own OpenMetrics render renames counters.
    this.served = registry.getMetricsAsArray().flatMap((metric) => registry.getSingleMetric(metric.name) ?? []);
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
   * Byte for byte what `registry.metrics()` writes (and, for text, its conversion), written by our own
   * writer (exposition.ts) one family at a time, the event loop let through between families: the
   * first tokens of probes in flight are timestamped on this loop. The families read at scrape time
   * all read one snapshot, taken here, so one render shows one moment.
   */
  async render(accept: string | undefined): Promise<{ contentType: string; body: string }> {
    const format: ExpositionFormat = wantsOpenMetrics(accept) ? 'openmetrics' : 'text';
    const { sources } = this.options;
    const snapshot: RenderSnapshot = { windows: sources.windowSummaries(), replicas: sources.replicas() };
    const lines: string[] = [];
    for (const metric of this.served) {
      const read = this.readFamilies.get(metric);
      if (read) read.write(snapshot, format, lines);
      else await this.writer.family(metric, format, lines);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return { contentType: format === 'openmetrics' ? OPENMETRICS_CONTENT_TYPE : TEXT_CONTENT_TYPE, body: exposition(lines, format) };
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
