import { UNKNOWN_MODEL } from '@kvcanary/contract';
import type { Summary, SummaryResponse, TargetSummary } from '@kvcanary/contract/schemas';
import type { Config } from '../config/schema.js';
import { bootstrapSample, ttftSamples } from '../stats/bootstrap.js';
import { summarize } from '../stats/summarize.js';
import type { Clock } from '../util/clock.js';
import { seededRandom } from '../util/random.js';
import { replicasOf, type TargetRuntime } from './target-runtime.js';

/**
 * The window figures that /metrics, /api/v1/summary and the terminal table all show, computed from
 * the same records: summaries are reused for a second (a scrape and a page load see the same numbers),
 * bootstrap intervals (1000 resamples of up to the whole window) for a few seconds, since they cost
 * far more than the summaries and move slowly.
 */
const SUMMARY_TTL_MS = 1000;
const INTERVALS_TTL_MS = 5000;
const BOOTSTRAP_ITERATIONS = 1000;

export class SummaryCache {
  private summaries: { at: number; value: Summary[] } | null = null;
  private cached: { at: number; value: SummaryResponse } | null = null;

  constructor(
    private readonly targets: readonly TargetRuntime[],
    private readonly deps: { config: Config; clock: Clock },
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

  async response(): Promise<SummaryResponse> {
    const now = this.deps.clock.now();
    if (this.cached && now - this.cached.at < INTERVALS_TTL_MS) return this.cached.value;
    const summaries = this.windowSummaries();
    const targets: TargetSummary[] = this.targets.map((t, i) => {
      const summary = summaries[i] as Summary;
      // Seeded by the window's size, so a reload of an unchanged window prints the same intervals.
      const intervals = bootstrapSample(ttftSamples(t.window.records()), { random: seededRandom(summary.requests), iterations: BOOTSTRAP_ITERATIONS });
      return {
        summary,
        role: t.role,
        up: t.up,
        lastSuccess: t.lastSuccessMs === null ? null : new Date(t.lastSuccessMs).toISOString(),
        problem: t.problem,
        ci95: { p50: intervals.p50, p95: intervals.p95, p99: intervals.p99, cacheSpeedup: intervals.cacheSpeedup },
        replicas: replicasOf(t).replicas.map((r) => r.figures),
      };
    });
    const value: SummaryResponse = { generatedAt: new Date(this.deps.clock.wallNow()).toISOString(), windowSeconds: this.deps.config.window.duration / 1000, targets };
    this.cached = { at: now, value };
    return value;
  }
}
