import { Summary as PromSummary, type OpenMetricsContentType, type Registry } from 'prom-client';
import { WINDOW_QUANTILES, exporterMetrics } from '@kvcanary/contract';
import type { Summary } from '@kvcanary/contract/schemas';

const definition = exporterMetrics.ttftWindow;
type WindowLabel = Exclude<(typeof definition.labels)[number], 'quantile'>;

/**
 * `kvcanary_ttft_window_seconds{target, quantile}`: P50/P95/P99 over the sliding window, read at
 * scrape time from the window summaries. They are the reference tool's percentiles
 * (stats/percentile.ts, referencePercentile), the definition bench prints: a serve window and a bench
 * run over the same requests give the same figures, and /api/v1/summary shows these very numbers.
 * The contract types it `summary` (quantiles only, no _sum/_count: a window's sum is not a counter);
 * prom-client adds the `quantile` label itself, so it is not among the label names.
 */
export class WindowQuantiles extends PromSummary<WindowLabel> {
  constructor(
    private readonly summaries: () => readonly Summary[],
    registry: Registry<OpenMetricsContentType>,
  ) {
    super({
      name: definition.name,
      help: definition.help,
      labelNames: definition.labels.filter((l): l is WindowLabel => l !== 'quantile'),
      percentiles: WINDOW_QUANTILES.map((q) => q.quantile),
      registers: [registry],
    });
  }

  override async get(): ReturnType<PromSummary<WindowLabel>['get']> {
    const values: { labels: { target: string; quantile: string }; value: number }[] = [];
    for (const s of this.summaries()) {
      const ttft = s.ttft;
      if (!ttft) continue;
      for (const q of WINDOW_QUANTILES) values.push({ labels: { target: s.target, quantile: q.label }, value: ttft[q.field] / 1000 });
    }
    const base = await super.get();
    return { ...base, values };
  }
}
