import { describe, expect, it } from '@jest/globals';
import type { Registry, OpenMetricsContentType, PrometheusContentType } from 'prom-client';
import { exporterMetrics, probeMetrics, type MetricDefinition } from '@kvcanary/contract';
import { summarize } from '../stats/summarize.js';
import { measuredRecord } from '../test-support/records.js';
import { upReplica } from '../test-support/replica-snapshots.js';
import { ExporterMetrics } from './exporter-metrics.js';
import { probeRegistry } from './probe-metrics.js';

/**
 * The registries as served equal the contract exactly: every contract metric is there with its type,
 * help, label names and buckets, and nothing else carries the kvcanary_ prefix. Every series is
 * populated first, so the label names are read off real samples.
 */
interface Family {
  type: string;
  help: string;
  labels: string[];
  buckets?: number[];
}

function expected(definitions: Record<string, MetricDefinition>): Record<string, Family> {
  return Object.fromEntries(
    Object.values(definitions).map((d) => [d.name, { type: d.type, help: d.help, labels: [...d.labels].sort(), ...(d.buckets ? { buckets: [...d.buckets] } : {}) }]),
  );
}

async function served(registry: Registry<PrometheusContentType> | Registry<OpenMetricsContentType>): Promise<Record<string, Family>> {
  const out: Record<string, Family> = {};
  for (const metric of await registry.getMetricsAsJSON()) {
    if (!metric.name.startsWith('kvcanary_')) continue;
    // prom-client's typings declare a numeric enum; at run time `type` is the name ('counter', ...).
    const type = String(metric.type);
    const labels = new Set<string>();
    const buckets: number[] = [];
    for (const v of metric.values) {
      for (const l of Object.keys(v.labels)) if (!(type === 'histogram' && l === 'le')) labels.add(l);
      const le = v.labels.le;
      if (type === 'histogram' && le !== undefined && le !== '+Inf') buckets.push(Number(le));
    }
    out[metric.name] = { type, help: metric.help, labels: [...labels].sort(), ...(type === 'histogram' ? { buckets: [...new Set(buckets)] } : {}) };
  }
  return out;
}

/** `# TYPE` lines of a text exposition, for the families with the kvcanary_ prefix. */
function exposedTypes(text: string): Record<string, string> {
  return Object.fromEntries([...text.matchAll(/^# TYPE (kvcanary_\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));
}

const records = [measuredRecord({ turn: 1 }), measuredRecord({ turn: 2, ttftMs: 100 })];

function liveExporterMetrics(): ExporterMetrics {
  const metrics = new ExporterMetrics({
    version: 'test',
    turnCap: 10,
    sources: {
      windowSummaries: () => [summarize(records, { target: 'vllm', model: 'm', elapsedSeconds: 60, conversationsPlanned: 0, turnCap: 10 })],
      replicas: () => [
        {
          target: 'vllm',
          replicas: [upReplica('pod-0', { figures: { probeRequests: 2 } })],
          probeRequests: new Map([['pod-0', 2]]),
        },
      ],
    },
  });
  metrics.setTargets([{ name: 'vllm', role: 'baseline', model: 'm' }]);
  for (const r of records) metrics.observeRequest(r, 'm');
  metrics.observeConversation('vllm', 'success');
  return metrics;
}

describe('the registries equal the contract', () => {
  it('the exporter registry (/metrics)', async () => {
    const metrics = liveExporterMetrics();
    expect(await served(metrics.registry)).toEqual(expected(exporterMetrics));
    const types = Object.fromEntries(Object.values(exporterMetrics).map((d) => [d.name, d.type]));
    expect(exposedTypes((await metrics.render('application/openmetrics-text;version=1.0.0')).body)).toEqual(
      // OpenMetrics names a counter family without its _total suffix.
      Object.fromEntries(Object.entries(types).map(([name, type]) => [type === 'counter' ? name.replace(/_total$/, '') : name, type])),
    );
    expect(exposedTypes((await metrics.render(undefined)).body)).toEqual(types);
  });

  it("a /probe request's registry", async () => {
    const registry = probeRegistry({ target: 'vllm', records, durationSeconds: 3 }, 10);
    expect(await served(registry)).toEqual(expected(probeMetrics));
    expect(exposedTypes(await registry.metrics())).toEqual(Object.fromEntries(Object.values(probeMetrics).map((d) => [d.name, d.type])));
  });
});
