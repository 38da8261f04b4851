import { DEFAULT_TURN_CAP, exporterMetrics as m, recorded, turnLabel } from '@kvcanary/contract';
import { NAMESPACE, links, targetInfo } from './exporter-info.js';
import { fires, figure, quiet, type ScenarioFile } from './scenario.js';
import { during, histogram, observe, probeRequests, type HistogramStretch } from './series.js';

const aDay = 1440;

/** One exporter's TTFT histogram and request counter for one target, as Prometheus stores them: the exporter's `instance` and `vantage` on them. */
const scraped = (target: string, instance: string, vantage: string, ...stretches: HistogramStretch[]) => [
  ...histogram(m.ttft, { target, instance, vantage, turn: turnLabel(2, DEFAULT_TURN_CAP) }, { buckets: [0.1, 0.25, 0.5, 1, '+Inf'] }, ...stretches),
  probeRequests({ target, instance, vantage }, ...stretches),
  targetInfo(target, aDay + 60, { instance }),
];

/** 5 probes a minute from each exporter: together they are the 10 a minute of ttft-regression. */
const fast = observe(5, 0.05);
const slow = observe(5, 0.75);

/** The alert's text for a P95 of `p95` that is `factor` times its level a day earlier. */
const annotations = (target: string, p95 = '975ms', factor = '10.26') => ({
  ...links('kvcanaryttftp95regression', `?var-target=${target}`),
  summary: `${target} P95 TTFT is ${factor}x its level 1d ago`,
  description:
    `P95 time to first token of ${target} is ${p95} over the last 5m, ${factor}x its 1h average 1d earlier (threshold 1.5x and above 0.25s, ` +
    'for 15m). Check what changed since then: routing policy (prefix-aware vs round-robin), replica count or restarts (cold ' +
    'caches), KV-cache usage and evictions, queueing (waiting requests) and the per-replica hit ratio.',
});

export const severalExporters: ScenarioFile = {
  name: 'several-exporters',
  alert: 'KVCanaryTTFTP95Regression',
  about:
    'Several exporters, one set of figures per target: the rules add the histograms of every exporter (their `instance` and\n' +
    '`vantage` labels) before taking a quantile, so a target probed by two exporters gets one P95 and one alert, and two\n' +
    'exporters sharing two targets (one shard each) get one P95 and one alert per target. P95 per vantage keeps the split.\n' +
    'Each exporter probes 5 times a minute; "fast" = under 0.1s, "slow" = 0.5-1s (as in ttft-regression).',
  scenarios: [
    {
      name: 'two exporters (two vantages) probing one target: one P95, one alert',
      input: [
        ...scraped('prod', 'kvcanary-east:9464', 'east', during(aDay, fast), during(60, slow)),
        ...scraped('prod', 'kvcanary-west:9464', 'west', during(aDay, fast), during(60, slow)),
      ],
      figures: [
        figure(recorded.ttftP95, '1470m', { labels: { target: 'prod' }, value: 0.9750000000000001 }),
        figure(
          recorded.ttftP95ByVantage,
          '1470m',
          { labels: { target: 'prod', vantage: 'east' }, value: 0.9750000000000001 },
          { labels: { target: 'prod', vantage: 'west' }, value: 0.9750000000000001 },
        ),
      ],
      alerts: [...quiet('1450m'), fires('1470m', { labels: { target: 'prod', namespace: NAMESPACE, severity: 'warning' }, annotations: annotations('prod') })],
    },
    {
      name: 'one of two vantages slows: the target regresses once, P95 per vantage shows where',
      input: [
        ...scraped('prod', 'kvcanary-east:9464', 'east', during(aDay, fast), during(60, slow)),
        ...scraped('prod', 'kvcanary-west:9464', 'west', during(aDay + 60, fast)),
      ],
      figures: [
        figure(
          recorded.ttftP95ByVantage,
          '1470m',
          { labels: { target: 'prod', vantage: 'east' }, value: 0.9750000000000001 },
          { labels: { target: 'prod', vantage: 'west' }, value: 0.09500000000000001 },
        ),
      ],
      // Half of the target's probes are slow: its P95 is 0.95s, 10x the 0.095s of a day earlier.
      alerts: [fires('1470m', { labels: { target: 'prod', namespace: NAMESPACE, severity: 'warning' }, annotations: annotations('prod', '950ms', '10') })],
    },
    {
      name: 'two exporters, one shard each, two targets: only the target that slowed fires, once',
      input: [
        ...scraped('prod-a', 'kvcanary-0:9464', 'east', during(aDay + 60, fast)),
        ...scraped('prod-b', 'kvcanary-1:9464', 'east', during(aDay, fast), during(60, slow)),
      ],
      figures: [
        figure(recorded.ttftP95, '1470m', { labels: { target: 'prod-a' }, value: 0.09500000000000001 }, { labels: { target: 'prod-b' }, value: 0.9750000000000001 }),
      ],
      alerts: [...quiet('1450m'), fires('1470m', { labels: { target: 'prod-b', namespace: NAMESPACE, severity: 'warning' }, annotations: annotations('prod-b') })],
    },
  ],
};
