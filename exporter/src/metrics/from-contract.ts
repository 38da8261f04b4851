import type { MetricDefinition } from '@kvcanary/contract';
import { Counter, Gauge, Histogram, Summary, type Metric, type MetricValue, type OpenMetricsContentType, type PrometheusContentType, type Registry } from 'prom-client';

/**
 * prom-client metrics made from the contract's definitions: name, help, label names (typed, so a
 * label the contract does not define is a compile error) and buckets come from the definition and
 * nowhere else.
 */
type AnyRegistry = Registry<PrometheusContentType> | Registry<OpenMetricsContentType>;

function fromDefinition<L extends string>(d: MetricDefinition<L>, registry: AnyRegistry) {
  return { name: d.name, help: d.help, labelNames: d.labels, registers: [registry] };
}

export function counter<L extends string>(d: MetricDefinition<L>, registry: AnyRegistry): Counter<L> {
  return new Counter<L>(fromDefinition(d, registry));
}

export function gauge<L extends string>(d: MetricDefinition<L>, registry: AnyRegistry): Gauge<L> {
  return new Gauge<L>(fromDefinition(d, registry));
}

export function histogram<L extends string>(d: MetricDefinition<L>, registry: AnyRegistry, extra: { enableExemplars?: boolean } = {}): Histogram<L> {
  return new Histogram<L>({ ...fromDefinition(d, registry), buckets: [...(d.buckets ?? [])], ...extra });
}

type Values = () => MetricValue<string>[];

/**
 * A registered metric whose series are whatever `values` reads when prom-client asks (its own render,
 * `getMetricsAsJSON`): nothing is stored, so nothing can go stale. The exporter's render writes these
 * families itself from one snapshot (read-family.ts); the registry keeps them so that prom-client's
 * rendering of the same state stays the reference the writer is tested against.
 */
export function readMetric(d: MetricDefinition, registry: AnyRegistry, values: Values): Metric {
  const config = fromDefinition(d, registry);
  if (d.type === 'histogram') throw new Error(`${d.name}: a histogram is observed, not read at scrape time`);
  const metric =
    d.type === 'gauge'
      ? new Gauge(config)
      : d.type === 'counter'
        ? new Counter(config)
        : // prom-client adds the `quantile` label of a summary itself, so it may not be among the label names.
          new Summary({ ...config, labelNames: d.labels.filter((l) => l !== 'quantile') });
  const head = metric.get.bind(metric);
  metric.get = async () => ({ ...(await head()), values: values() });
  return metric;
}
