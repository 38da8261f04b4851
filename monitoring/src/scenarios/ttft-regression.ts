import { DEFAULT_TURN_CAP, exporterMetrics as m, recorded, turnLabel } from '@kvcanary/contract';
import { NAMESPACE, links, targetInfo } from './exporter-info.js';
import { fires, figure, quiet, type ScenarioFile } from './scenario.js';
import { during, histogram, observe, probeRequests, type HistogramParts, type HistogramStretch } from './series.js';

/** P95 reads only the buckets; each case writes the bounds around the quantiles it moves between. */
const ttft = (buckets: HistogramParts['buckets'], ...stretches: HistogramStretch[]) => [
  ...histogram(m.ttft, { target: 'prod', turn: turnLabel(2, DEFAULT_TURN_CAP) }, { buckets }, ...stretches),
  probeRequests({ target: 'prod' }, ...stretches),
];

const aDay = 1440;
/** The exporter's target info from minute `from` for `minutes` more: which workload (digest) the canary ran. */
const workload = (digest: string, from: number, minutes: number) => targetInfo('prod', minutes, { workload: digest, from });
/** One workload all along. */
const steady = workload('aaaaaaaaaaaa', 0, aDay + 90);
/** 10 probes a minute under 0.1s: P95 0.095s. */
const fast = observe(10, 0.05);
/** 10 probes a minute between 0.1s and 0.25s: P95 0.2425s. */
const doubled = observe(10, 0.2);
/** 10 probes a minute between 0.5s and 1s: P95 0.975s. */
const slow = observe(10, 0.75);

export const ttftRegression: ScenarioFile = {
  name: 'ttft-regression',
  alert: 'KVCanaryTTFTP95Regression',
  about:
    'KVCanaryTTFTP95Regression: P95 > 1.5x its 1h average a day earlier, above 0.25s, for 15m, unless the workload changed since.\n' +
    '10 probes a minute (20 in the 5m window are needed to fire). "fast" = every TTFT under 0.1s (P95 0.095s); "slow" = every TTFT in 0.5-1s (P95 0.975s).\n' +
    `The workload is the ${m.targetInfo.name}{workload} digest.`,
  scenarios: [
    {
      name: 'fires when P95 jumps from 0.095s to 0.975s and stays there, on the same workload',
      input: [...ttft([0.1, 0.25, 0.5, 1, '+Inf'], during(aDay, fast), during(60, slow)), workload('aaaaaaaaaaaa', 0, aDay + 60)],
      figures: [figure(recorded.ttftP95, '1470m', { labels: { target: 'prod' }, value: 0.9750000000000001 })],
      alerts: [
        ...quiet('1450m'),
        fires('1470m', {
          labels: { target: 'prod', namespace: NAMESPACE, severity: 'warning' },
          annotations: {
            summary: 'prod P95 TTFT is 10.26x its level 1d ago',
            description:
              'P95 time to first token of prod is 975ms over the last 5m, 10.26x its 1h average 1d earlier (threshold 1.5x and above 0.25s, ' +
              'for 15m). Check what changed since then: routing policy (prefix-aware vs round-robin), replica count or restarts (cold ' +
              'caches), KV-cache usage and evictions, queueing (waiting requests) and the per-replica hit ratio.',
            ...links('kvcanaryttftp95regression', '?var-target=prod'),
          },
        }),
      ],
    },
    {
      name: 'stays quiet when the jump comes with a new workload: a day ago the canary sent other work',
      input: [
        ...ttft([0.1, 0.25, 0.5, 1, '+Inf'], during(aDay, fast), during(60, slow)),
        workload('aaaaaaaaaaaa', 0, aDay - 1),
        workload('bbbbbbbbbbbb', aDay, 60),
      ],
      alerts: quiet('1470m', '1500m'),
    },
    {
      name: 'a sparse target (3 probes a minute, 15 in 5m) making the same jump stays quiet: too few probes to page on',
      input: [...ttft([0.1, 0.25, 0.5, 1, '+Inf'], during(aDay, observe(3, 0.05)), during(60, observe(3, 0.75))), steady],
      alerts: quiet('1470m', '1500m'),
    },
    {
      name: 'a fast service doubling its P95 (0.095s to 0.243s) stays under the 0.25s floor',
      input: [...ttft([0.1, 0.25, '+Inf'], during(aDay, fast), during(60, doubled)), steady],
      alerts: quiet('1500m'),
    },
    {
      name: 'a five-minute spike is shorter than the 15m hold',
      input: [...ttft([0.1, 1, '+Inf'], during(aDay, fast), during(5, slow), during(55, fast)), steady],
      alerts: quiet('1452m', '1460m', '1480m'),
    },
    {
      name: 'a service that was just as slow a day ago has not regressed',
      input: [...ttft([0.5, 1, '+Inf'], during(aDay + 60, slow)), steady],
      alerts: quiet('1480m'),
    },
  ],
};
