import type { MetricDefinition } from '@kvcanary/contract';
import { Counter, Gauge, Histogram, type OpenMetricsContentType, type PrometheusContentType, type Registry } from 'prom-client';

/**
 * prom-client metrics made from the contract's definitions: name, help, label names (typed, so a
 * label the contract does not define is a compile error) and buckets come from the definition and
 * nowhere else.
 */
type AnyRegistry = Registry<PrometheusContentType> | Registry<OpenMetricsContentType>;

function fromDefinition<L extends string>(d: MetricDefinition<L>, registry: AnyRegistry) {
  return { name: d.name, help: d.help, labelNames: d.labels, registers: [registry] };
}

/** `read` fills the metric at each scrape from its source of truth, after a reset, so a series whose subject is gone is not exposed. */
function readAtScrape<M extends { reset(): void }>(read: ((metric: M) => void) | undefined) {
  if (!read) return {};
  return {
    collect(this: M) {
      this.reset();
      read(this);
    },
  };
}

export function counter<L extends string>(d: MetricDefinition<L>, registry: AnyRegistry, read?: (c: Counter<L>) => void): Counter<L> {
  return new Counter<L>({ ...fromDefinition(d, registry), ...readAtScrape(read) });
}

export function gauge<L extends string>(d: MetricDefinition<L>, registry: AnyRegistry, read?: (g: Gauge<L>) => void): Gauge<L> {
  return new Gauge<L>({ ...fromDefinition(d, registry), ...readAtScrape(read) });
}

export function histogram<L extends string>(d: MetricDefinition<L>, registry: AnyRegistry, extra: { enableExemplars?: boolean } = {}): Histogram<L> {
  return new Histogram<L>({ ...fromDefinition(d, registry), buckets: [...(d.buckets ?? [])], ...extra });
}
