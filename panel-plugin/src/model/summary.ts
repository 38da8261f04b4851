import { ComparisonOptions } from '../options';
import { buildViewModel } from './compare';
import { IntervalJson, SummaryResponseJson, TargetSummaryJson } from './summary-types';
import { Interval, TargetFigures, ViewModel } from './view-model';

export interface SummaryInput {
  /** null before the first answer. */
  response: SummaryResponseJson | null;
  /** Why the last fetch failed, if it did. */
  error?: string;
  options: ComparisonOptions;
}

/** An interval as the page can draw it: two finite numbers, low first; anything else is null. */
function interval(json: IntervalJson | null | undefined): Interval | null {
  if (!Array.isArray(json) || json.length !== 2) {
    return null;
  }
  const [a, b]: unknown[] = json;
  if (typeof a !== 'number' || typeof b !== 'number' || !Number.isFinite(a) || !Number.isFinite(b)) {
    return null;
  }
  return a <= b ? [a, b] : [b, a];
}

function targetFigures({ summary, role, up, lastSuccess, ci95, replicas }: TargetSummaryJson): TargetFigures {
  const lastSuccessMs = lastSuccess === null ? null : Date.parse(lastSuccess);
  return {
    name: summary.target,
    ttft: {
      p50: summary.ttft?.p50 ?? null,
      p95: summary.ttft?.p95 ?? null,
      p99: summary.ttft?.p99 ?? null,
    },
    cacheSpeedup: summary.cacheSpeedup,
    // Optional chaining: an exporter older than the contract may leave ci95 out.
    ci95: {
      p50: interval(ci95?.p50),
      p95: interval(ci95?.p95),
      p99: interval(ci95?.p99),
      cacheSpeedup: interval(ci95?.cacheSpeedup),
    },
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
    })),
    requests: summary.requests,
    failedRequests: Object.entries(summary.outcomes)
      .filter(([outcome]) => outcome !== 'success')
      .reduce((sum, [, n]) => sum + n, 0),
    up,
    lastSuccessMs: lastSuccessMs !== null && Number.isFinite(lastSuccessMs) ? lastSuccessMs : null,
    role,
  };
}

/** /api/v1/summary JSON -> the same view model the Grafana panel renders. */
export function summaryToViewModel({ response, error, options }: SummaryInput): ViewModel {
  return buildViewModel({
    targets: response?.targets.map(targetFigures) ?? [],
    errors: error ? [error] : [],
    options,
    noDataHint:
      response === null
        ? 'Waiting for the first summary from the exporter…'
        : 'No data yet: the exporter has no probe results in its window.',
  });
}
