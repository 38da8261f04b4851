import { UNKNOWN_MODEL } from '@kvcanary/contract';
import type { Intervals, Summary, SummaryResponse, TargetSummary } from '@kvcanary/contract/schemas';
import type { Config } from '../config/schema.js';
import { ttftSamples, type SampleIntervals } from '../stats/bootstrap.js';
import { summarize } from '../stats/summarize.js';
import type { Clock } from '../util/clock.js';
import { errorMessage, type Logger } from '../util/logger.js';
import type { IntervalsRequest } from './offload.js';
import { replicasOf, type TargetRuntime } from './target-runtime.js';

/**
 * The window figures that /metrics, /api/v1/summary and the terminal table all show, computed from
 * the same records: summaries are reused for a second (a scrape and a page load see the same numbers),
 * bootstrap intervals (1000 resamples of up to the whole window) for a few seconds, since they cost
 * far more than the summaries and move slowly. The intervals are computed by `intervals` (the
 * exporter's worker thread), never on the loop that measures; readers arriving while they are
 * computed share that one computation. Should it fail, the last good intervals are served, marked
 * `ci95Stale`.
 */
const SUMMARY_TTL_MS = 1000;
const INTERVALS_TTL_MS = 5000;
const BOOTSTRAP_ITERATIONS = 1000;

export interface SummaryCacheDeps {
  config: Config;
  clock: Clock;
  logger: Logger;
  /** The digest of the canary workload (probe/workload.ts), named in every response. */
  workload: string;
  intervals(request: IntervalsRequest): Promise<SampleIntervals>;
}

export class SummaryCache {
  private summaries: { at: number; value: Summary[] } | null = null;
  private cached: { at: number; value: SummaryResponse } | null = null;
  private computing: Promise<SummaryResponse> | null = null;
  /** Each target's last good intervals, by target name. */
  private readonly lastGood = new Map<string, Intervals>();

  constructor(
    private readonly targets: readonly TargetRuntime[],
    private readonly deps: SummaryCacheDeps,
  ) {}

  windowSummaries(): Summary[] {
    const now = this.deps.clock.now();
    if (this.summaries && now - this.summaries.at < SUMMARY_TTL_MS) return this.summaries.value;
    const { config } = this.deps;
    const value = this.targets.map((t) =>
      summarize(t.window.records(), {
        target: t.name,
        model: t.model ?? UNKNOWN_MODEL,
        elapsedSeconds: t.window.elapsedSeconds(),
        conversationsPlanned: 0,
        turnCap: config.turnLabelCap,
        turnsPerConversation: config.pacing.turns,
      }),
    );
    this.summaries = { at: now, value };
    return value;
  }

  response(): Promise<SummaryResponse> {
    const now = this.deps.clock.now();
    if (this.cached && now - this.cached.at < INTERVALS_TTL_MS) return Promise.resolve(this.cached.value);
    this.computing ??= this.compute().finally(() => {
      this.computing = null;
    });
    return this.computing;
  }

  private async compute(): Promise<SummaryResponse> {
    const at = this.deps.clock.now();
    const summaries = this.windowSummaries();
    const targets: TargetSummary[] = await Promise.all(
      this.targets.map(async (t, i) => {
        const summary = summaries[i] as Summary;
        const { ci95, stale } = await this.intervalsOf(t, summary);
        const replicas = replicasOf(t);
        return {
          summary,
          role: t.role,
          up: t.up,
          lastSuccess: t.lastSuccessMs === null ? null : new Date(t.lastSuccessMs).toISOString(),
          problem: t.problem,
          ci95,
          ...(stale && { ci95Stale: true }),
          replicas: replicas.replicas.map((r) => r.figures),
          engine: replicas.engine,
          scheduler: replicas.scheduler,
        };
      }),
    );
    const value: SummaryResponse = { generatedAt: new Date(this.deps.clock.wallNow()).toISOString(), windowSeconds: this.deps.config.window.duration / 1000, workload: this.deps.workload, targets };
    this.cached = { at, value };
    return value;
  }

  private async intervalsOf(t: TargetRuntime, summary: Summary): Promise<{ ci95: Intervals; stale: boolean }> {
    try {
      // Seeded by the window's size, so a reload of an unchanged window prints the same intervals.
      const all = await this.deps.intervals({ samples: ttftSamples(t.window.records()), seed: summary.requests, iterations: BOOTSTRAP_ITERATIONS });
      const ci95: Intervals = { p50: all.p50, p95: all.p95, p99: all.p99, cacheSpeedup: all.cacheSpeedup };
      this.lastGood.set(t.name, ci95);
      return { ci95, stale: false };
    } catch (err) {
      this.deps.logger.warn({ target: t.name, err: errorMessage(err) }, 'window intervals failed; serving the last good ones');
      const last = this.lastGood.get(t.name) ?? { p50: null, p95: null, p99: null, cacheSpeedup: null };
      return { ci95: last, stale: true };
    }
  }
}
