import { DEFAULT_VANTAGE, MISSING_SECRET, MODEL_LOOKUP_ERROR, SUCCESS, UNKNOWN_MODEL } from '@kvcanary/contract';
import type { HistoryResponse, RecordsResponse, RequestRecord, Summary, SummaryResponse } from '@kvcanary/contract/schemas';
import { pacingInfo } from '../config/pacing-info.js';
import type { Config } from '../config/schema.js';
import type { ResolvedSecrets } from '../config/secrets.js';
import type { SeedDocument } from '../corpus/types.js';
import { ExporterMetrics } from '../metrics/exporter-metrics.js';
import type { ProbeOutcome } from '../metrics/probe-metrics.js';
import { startContinuous, type ContinuousHandle, type Pace } from '../probe/continuous.js';
import { runConversation } from '../probe/conversation.js';
import { conversationScript, type ScriptPlan } from '../probe/script.js';
import { workloadDigest } from '../probe/workload.js';
import type { ConversationResult, EngineTarget } from '../probe/types.js';
import type { Logger } from '../util/logger.js';
import { systemClock, type Clock } from '../util/clock.js';
import { freshSeed } from '../util/random.js';
import { FigureHistory, HISTORY_INTERVAL_MS } from './figure-history.js';
import { FailureLog } from './failure-log.js';
import { workerOffload, type Offload } from './offload.js';
import { SummaryCache } from './summary-cache.js';
import { awaitApiKey, createTargetRuntime, replicasOf, resolveModel, type TargetRuntime } from './target-runtime.js';

/**
 * The running exporter: targets -> one continuous engine each -> sliding windows + metrics; replica
 * monitors per target. Every engine and every /probe builds its conversations from one ScriptPlan
 * (one seed), so conversation i is the same script on every target (paired) while a target that is
 * down or slow never holds the others back.
 */
export interface ExporterOptions {
  config: Config;
  secrets: ResolvedSecrets;
  documents: readonly SeedDocument[];
  /** Seeds the conversation scripts: the same on every target. */
  seed: number;
  version: string;
  logger: Logger;
  clock?: Clock;
  /**
   * Nonces of the cold-start markers of the continuous conversations and of /probe's (drawn at
   * start when absent): a restart never meets its predecessor's first turns in the cache, and a
   * /probe never meets the continuous engine's.
   */
  nonces?: { continuous: number; probe: number };
  /** Where page parsing and window bootstraps run; default: the exporter's worker thread. */
  offload?: Offload;
}

/** A target the exporter is not measuring yet, and why (no detail that could leak a URL or a secret). */
export interface NotMeasured {
  target: string;
  reason: 'API key missing' | 'model lookup failing' | 'model not known yet' | 'no request finished yet';
}

/** What the HTTP layer reads; the exporter provides it, tests provide a stub. Handlers stay thin. */
export interface ExporterView {
  /** Probing works: every target has its model and has finished a request (whatever its outcome). */
  ready(): { ready: boolean; waiting: NotMeasured[] };
  renderMetrics(accept: string | undefined): Promise<{ contentType: string; body: string }>;
  summary(): Promise<SummaryResponse>;
  /** The window figures a minute apart, per target. */
  history(): HistoryResponse;
  /** The request records in each target's window, and the pacing they were probed at. */
  records(): RecordsResponse;
  targetNames(): readonly string[];
  /** One conversation against the target now, outside the continuous run. */
  probe(target: string, options: { turns: number; signal: AbortSignal }): Promise<ProbeOutcome>;
  /** Turns of a continuous conversation: the most /probe may ask for. */
  maxTurns: number;
  turnCap: number;
  /** The `vantage` label of this exporter's series, /probe's too. */
  vantage: string;
  /** /probe conversations allowed in flight per target. */
  probeConcurrency: number;
}

export interface Exporter {
  readonly metrics: ExporterMetrics;
  readonly targets: readonly TargetRuntime[];
  /** The digest of the canary workload every target runs. */
  readonly workload: string;
  /** What the HTTP layer reads. */
  readonly view: ExporterView;
  windowSummaries(): readonly Summary[];
  summary(): Promise<SummaryResponse>;
  /** Stops starting conversations, lets in-flight requests finish for up to graceMs, cancels the rest. */
  stop(graceMs: number): Promise<void>;
}

const MODEL_RETRY_MS = 10_000;
/** A Secret the kubelet updates reaches the pod within about a minute; a read of it costs nothing. */
const API_KEY_REREAD_MS = 10_000;

export function startExporter(options: ExporterOptions): Exporter {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  const pacing = config.pacing;
  const offload = options.offload ?? workerOffload({ onRestart: (reason) => logger.warn({ reason }, 'exporter worker replaced') });
  const targets = (config.targets ?? []).map((t) =>
    createTargetRuntime(t, { config, clock, logger, secrets: (name) => options.secrets.targets.get(name), scraper: offload.scrape }),
  );
  const byName = new Map(targets.map((t) => [t.name, t]));
  const nonces = options.nonces ?? { continuous: freshSeed(), probe: freshSeed() };
  const plan: ScriptPlan = {
    documents: options.documents,
    turns: pacing.turns,
    seed: options.seed,
    thinkTime: { minMs: pacing.thinkTime.min, maxMs: pacing.thinkTime.max },
    coldStart: { nonce: nonces.continuous },
  };
  const limits = {
    ...(pacing.maxAnswerChars !== undefined && { maxAnswerChars: pacing.maxAnswerChars }),
    ...(pacing.maxStreamBytes !== undefined && { maxStreamBytes: pacing.maxStreamBytes }),
  };
  const engineTarget = (t: TargetRuntime, model: string): EngineTarget => ({ name: t.name, client: t.client, model, maxTokens: pacing.maxTokens, limits, timeoutMs: pacing.timeout });
  const workload = workloadDigest({ documents: plan.documents, turns: plan.turns, maxTokens: pacing.maxTokens, coldStart: true });
  const summaries = new SummaryCache(targets, { config, clock, logger, workload, intervals: (r) => offload.intervals(r) });
  const vantage = config.vantage ?? DEFAULT_VANTAGE;
  const metrics = new ExporterMetrics({
    version: options.version,
    vantage,
    turnCap: config.turnLabelCap,
    sources: { windowSummaries: () => summaries.windowSummaries(), replicas: () => targets.map(replicasOf) },
  });
  metrics.setTargets(targets, workload);
  const history = new FigureHistory({ maxPoints: Math.max(1, Math.round(config.history.duration / HISTORY_INTERVAL_MS)), clock });
  const failures = new FailureLog({ logger, clock, intervalMs: config.logging.failureSummaryInterval });

  const onRecord = (r: RequestRecord): void => {
    const t = byName.get(r.target);
    if (!t) return;
    t.measured = true;
    if (r.outcome !== 'cancelled') {
      t.up = t.upWindow.observe(r.outcome === SUCCESS);
      metrics.setTargetUp(t.name, t.up);
    }
    if (r.outcome === SUCCESS) t.lastSuccessMs = r.startedAt + r.totalMs;
    else if (!t.firstFailure.has(r.conversation)) t.firstFailure.set(r.conversation, r.outcome);
    t.window.add(r);
    if (r.replica !== undefined) t.probes.count(r.replica);
    metrics.observeRequest(r, t.model ?? UNKNOWN_MODEL);
    failures.observe(r.target, r.outcome, { error: r.error, status: r.status, turn: r.turn, conversation: r.conversation });
    if (r.outcome !== SUCCESS && r.outcome !== 'cancelled') logger.debug({ target: r.target, conversation: r.conversation, turn: r.turn, outcome: r.outcome, err: r.error }, 'request failed');
  };

  const onModelLookupFailure = (t: TargetRuntime, error: string): void => {
    metrics.observeModelLookupFailure(t.name);
    failures.observe(t.name, MODEL_LOOKUP_ERROR, { error });
  };

  const onConversation = (c: ConversationResult): void => {
    const t = byName.get(c.target);
    if (!t) return;
    const failure = t.firstFailure.get(c.conversation);
    t.firstFailure.delete(c.conversation);
    if (c.outcome === 'skipped') return logger.debug({ target: c.target, conversation: c.conversation }, 'conversation skipped: target at its bound');
    metrics.observeConversation(c.target, c.outcome === 'completed' ? 'success' : c.outcome === 'cancelled' ? 'cancelled' : failure ?? 'stream_error');
  };

  const pace: Pace = pacing.conversationsPerMinute !== undefined ? { conversationsPerMinute: pacing.conversationsPerMinute } : { concurrency: pacing.concurrency ?? 4 };
  const parallel = 'concurrency' in pace ? pace.concurrency : 4;
  const stopping = new AbortController();
  const engines: Promise<ContinuousHandle | null>[] = targets.map(async (t) => {
    const keyed = await awaitApiKey(t, {
      clock,
      logger,
      signal: stopping.signal,
      rereadMs: API_KEY_REREAD_MS,
      countUnsent: () => metrics.countUnsent(t.name, t.model ?? UNKNOWN_MODEL, MISSING_SECRET),
    });
    if (!keyed) return null;
    const discovered = t.model === null;
    const model = await resolveModel(t, { clock, logger, signal: stopping.signal, retryMs: MODEL_RETRY_MS, onFailure: (error) => onModelLookupFailure(t, error) });
    if (model === null || stopping.signal.aborted) return null;
    if (discovered) metrics.modelDiscovered(t.name, model);
    return startContinuous({ target: engineTarget(t, model), plan, pace, parallel, clock, onRecord, onConversation });
  });
  for (const t of targets) t.monitor?.start();
  const recordHistory = async (): Promise<void> => {
    while (!stopping.signal.aborted) {
      await clock.sleep(HISTORY_INTERVAL_MS, stopping.signal);
      if (!stopping.signal.aborted) history.record(summaries.windowSummaries());
    }
  };
  const historyLoop = recordHistory();
  const summaryLoop = (async () => {
    while (!stopping.signal.aborted) {
      await clock.sleep(config.logging.failureSummaryInterval, stopping.signal);
      failures.summarise();
    }
  })();

  const probe = async (name: string, opts: { turns: number; signal: AbortSignal }): Promise<ProbeOutcome> => {
    const t = byName.get(name);
    const started = clock.now();
    if (!t) return { target: name, records: [], durationSeconds: 0, error: 'unknown target' };
    if (t.problem !== null) return { target: name, records: [], durationSeconds: 0, error: t.problem };
    if (t.model === null) return { target: name, records: [], durationSeconds: 0, error: 'model not discovered yet' };
    // Its records stay out of the window and the metrics: the continuous canary's figures are its own.
    const records: RequestRecord[] = [];
    // The k-th probe of every target runs the plan's conversation k (paired across targets), with
    // no reading pauses: a probe answers a scrape.
    const script = conversationScript({ ...plan, turns: opts.turns, thinkTime: { minMs: 0, maxMs: 0 }, coldStart: { nonce: nonces.probe } }, t.onDemandProbes++);
    await runConversation({ target: engineTarget(t, t.model), script, clock, signal: opts.signal, onRecord: (r) => records.push(r) });
    return { target: name, records, durationSeconds: (clock.now() - started) / 1000 };
  };

  const view: ExporterView = {
    ready: () => {
      const waiting = targets.flatMap((t): NotMeasured[] => {
        // Probing cannot work without the key: not ready, while /metrics says why (target_up 0, missing_secret).
        if (t.problem !== null) return [{ target: t.name, reason: 'API key missing' }];
        if (t.model === null) return [{ target: t.name, reason: t.modelError === null ? 'model not known yet' : 'model lookup failing' }];
        return t.measured ? [] : [{ target: t.name, reason: 'no request finished yet' }];
      });
      return { ready: waiting.length === 0, waiting };
    },
    renderMetrics: (accept) => metrics.render(accept),
    summary: () => summaries.response(),
    history: () => ({
      generatedAt: new Date(clock.wallNow()).toISOString(),
      intervalSeconds: HISTORY_INTERVAL_MS / 1000,
      maxPoints: history.maxPoints,
      windowSeconds: config.window.duration / 1000,
      targets: targets.map((t) => ({ target: t.name, points: [...history.of(t.name)] })),
    }),
    records: () => ({
      generatedAt: new Date(clock.wallNow()).toISOString(),
      windowSeconds: config.window.duration / 1000,
      pacing: pacingInfo(pacing),
      targets: targets.map((t) => ({ target: t.name, records: t.window.records() })),
    }),
    targetNames: () => targets.map((t) => t.name),
    probe,
    maxTurns: pacing.turns,
    turnCap: config.turnLabelCap,
    vantage,
    probeConcurrency: config.web.probeConcurrency,
  };

  return {
    metrics,
    targets,
    workload,
    view,
    windowSummaries: () => summaries.windowSummaries(),
    summary: () => summaries.response(),
    async stop(graceMs: number) {
      stopping.abort();
      await historyLoop;
      const handles = await Promise.all(engines);
      await Promise.all(handles.map((h) => h?.stop(graceMs)));
      await Promise.all(targets.map((t) => t.monitor?.stop()));
      await Promise.all(targets.map((t) => t.client.close()));
      await summaryLoop;
      // The failures since the last summary are not lost with the process.
      failures.summarise();
      await offload.close();
    },
  };
}
