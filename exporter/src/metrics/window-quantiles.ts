import { Summary as PromSummary, type OpenMetricsContentType, type Registry } from 'prom-client';
import type { Summary } from '../stats/types.js';

/**
 * `kvcanary_ttft_window_seconds{target, quantile}`: exact P50/P95/P99 over the sliding window, read at
 * scrape time. Exposed with type `summary` (quantiles only, no _sum/_count: a window's sum is not a
 * counter) because a `quantile` label on a gauge fails `promtool check metrics`, and Prometheus treats
 * the samples the same either way: the name and labels of design 4.3 do not change.
 */
export class WindowQuantiles extends PromSummary<'target'> {
  constructor(
    private readonly summaries: () => readonly Summary[],
    registers: Registry<OpenMetricsContentType>[],
  ) {
    super({
      name: 'kvcanary_ttft_window_seconds',
      help: 'TTFT quantiles over the sliding window (exact order statistics; not aggregatable across exporters, use the histogram for that).',
      labelNames: ['target'],
      percentiles: [0.5, 0.95, 0.99],
      registers,
    });
  }

  override async get(): ReturnType<PromSummary<'target'>['get']> {
    const values: { labels: { target: string; quantile: number }; value: number }[] = [];
    for (const s of this.summaries()) {
      if (!s.ttft) continue;
      values.push({ labels: { target: s.target, quantile: 0.5 }, value: s.ttft.p50 / 1000 });
      values.push({ labels: { target: s.target, quantile: 0.95 }, value: s.ttft.p95 / 1000 });
      values.push({ labels: { target: s.target, quantile: 0.99 }, value: s.ttft.p99 / 1000 });
    }
    const base = await super.get();
    return { ...base, values };
  }
}
