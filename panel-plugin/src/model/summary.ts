import { SUCCESS } from '@kvcanary/contract';
import { describeSchemaError, summaryResponseSchema, type SummaryResponse, type TargetSummary } from '@kvcanary/contract/schemas';
import { ComparisonOptions } from '../options';
import { buildViewModel } from './compare';
import { TargetFigures, ViewModel } from './view-model';

export interface SummaryInput {
  /** null before the first answer; validated against the contract's summaryResponseSchema on fetch. */
  response: SummaryResponse | null;
  /** Why the last fetch failed, if it did. */
  error?: string;
  options: ComparisonOptions;
}

/**
 * Reads a summary body as the contract's schema defines it; a body that does not match is an error naming
 * the field ("./api/v1/summary does not match the summary schema: targets.0.summary.ttft: …").
 */
export function parseSummary(body: unknown, source: string): SummaryResponse {
  const parsed = summaryResponseSchema.safeParse(body);
  if (!parsed.success) {
    throw new Error(`${source} does not match the summary schema: ${describeSchemaError(parsed.error)}`);
  }
  return parsed.data;
}

function targetFigures({ summary, role, up, lastSuccess, ci95, replicas, engine }: TargetSummary): TargetFigures {
  const lastSuccessMs = lastSuccess === null ? null : Date.parse(lastSuccess);
  return {
    name: summary.target,
    ttft: {
      p50: summary.ttft?.p50 ?? null,
      p95: summary.ttft?.p95 ?? null,
      p99: summary.ttft?.p99 ?? null,
    },
    cacheSpeedup: summary.cacheSpeedup,
    ci95,
    firstTurnMs: summary.firstTurnMeanMs,
    laterTurnsMs: summary.laterTurnsMeanMs,
    byTurn: summary.byTurn.map((g) => ({ turn: g.key, meanMs: g.meanMs })),
    replicas: replicas.map((r) => ({
      name: r.name,
      up: r.up,
      hitRatio: r.prefixCacheHitRatio,
      kvUsage: r.kvCacheUsage,
      gpuUtil: r.gpuUtilization,
      running: r.running,
      waiting: r.waiting,
      probeRequests: r.probeRequests,
      prefixCache: r.prefixCache,
      prefixCacheNote: r.prefixCacheNote,
      schedulerQueue: r.schedulerQueue,
    })),
    requests: summary.requests,
    failedRequests: Object.entries(summary.outcomes)
      .filter(([outcome]) => outcome !== SUCCESS)
      .reduce((sum, [, n]) => sum + n, 0),
    up,
    lastSuccessMs: lastSuccessMs !== null && Number.isFinite(lastSuccessMs) ? lastSuccessMs : null,
    role,
    ttftMeanMs: summary.ttft?.mean ?? null,
    engine: { ttftMs: engine?.ttftMeanMs ?? null, queueMs: engine?.queueMeanMs ?? null, prefillMs: engine?.prefillMeanMs ?? null },
    outsideEngineMs: null,
    tokens: { prompt: summary.tokens.prompt, cached: summary.tokens.cached },
  };
}

/** /api/v1/summary JSON -> the same view model the Grafana panel renders. */
export function summaryToViewModel({ response, error, options }: SummaryInput): ViewModel {
  return buildViewModel({
    targets: response?.targets.map(targetFigures) ?? [],
    errors: error ? [error] : [],
    notes: [],
    options,
    noDataHint:
      response === null
        ? 'Waiting for the first summary from the exporter…'
        : 'No data yet: the exporter has no probe results in its window.',
  });
}
