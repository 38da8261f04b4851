import { Counter, Gauge, Histogram, type OpenMetricsContentType, type PrometheusContentType, type Registry } from 'prom-client';
import type { MetricDefinition } from '@kvcanary/contract';

/**
 * prom-client metrics made from the contract's definitions: name, help, label names (typed, so a
 * label the contract does not define is a compile error) and buckets come from the definition and
 * nowhere else. `read`, when given, fills the metric at scrape time from a source of truth: it is
 * reset first, so a series whose subject is gone is not exposed.
 */
type AnyRegistry = Registry<PrometheusContentType> | Registry<OpenMetricsContentType>;

export function counter<L extends string>(d: MetricDefinition<L>, registry: AnyRegistry, read?: (c: Counter<L>) => void): Counter<L> {
  return new Counter<L>({
    name: d.name,
    help: d.help,
    labelNames: d.labels,
    registers: [registry],
    ...(read && {
      collect(this: Counter<L>) {
        this.reset();
        read(this);
      },
    }),
  });
}

export function gauge<L extends string>(d: MetricDefinition<L>, registry: AnyRegistry, read?: (g: Gauge<L>) => void): Gauge<L> {
  return new Gauge<L>({
    name: d.name,
    help: d.help,
    labelNames: d.labels,
    registers: [registry],
    ...(read && {
      collect(this: Gauge<L>) {
        this.reset();
        read(this);
      },
    }),
  });
}

export function histogram<L extends string>(d: MetricDefinition<L>, registry: AnyRegistry, extra: { enableExemplars?: boolean } = {}): Histogram<L> {
  return new Histogram<L>({ name: d.name, help: d.help, labelNames: d.labels, buckets: [...(d.buckets ?? [])], registers: [registry], ...extra });
}
