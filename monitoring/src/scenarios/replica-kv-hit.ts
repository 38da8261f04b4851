import { exporterMetrics as m, recorded } from '@kvcanary/contract';
import { NAMESPACE, links, targetInfo } from './exporter-info.js';
import { fires, figure, quiet, type ScenarioFile } from './scenario.js';
import { counter, restart, rise, type CounterStretch } from './series.js';

/** A replica's prefix-cache counters (tokens): `hits` of `queries`. */
const prefixCache = (replica: string, c: { hits: CounterStretch[]; queries: CounterStretch[] }) => [
  counter(m.replicaPrefixCacheHits, { target: 'prod', replica }, ...c.hits),
  counter(m.replicaPrefixCacheQueries, { target: 'prod', replica }, ...c.queries),
];

export const replicaKvHit: ScenarioFile = {
  name: 'replica-kv-hit',
  alert: 'KVCanaryReplicaKVHitRateLow',
  about: 'KVCanaryReplicaKVHitRateLow: rate(hits) / rate(queries) per replica < 50% for 30m.',
  scenarios: [
    {
      name: 'only the replica hitting 20% of its prefix tokens fires',
      input: [
        targetInfo('prod', 60),
        ...prefixCache('r0', { hits: [rise(900, 60)], queries: [rise(1000, 60)] }),
        ...prefixCache('r1', { hits: [rise(200, 60)], queries: [rise(1000, 60)] }),
      ],
      figures: [figure(recorded.targetKvHitRatio, '40m', { labels: { target: 'prod' }, value: 0.55 })],
      alerts: [
        ...quiet('20m'),
        fires('40m', {
          labels: { target: 'prod', replica: 'r1', namespace: NAMESPACE, severity: 'warning' },
          annotations: {
            summary: 'Replica r1 of prod hits its prefix cache for 20% of tokens',
            description:
              'Prefix-cache hit ratio of replica r1 (prod) is 20% over 5m (from the rate of its hit and query counters), below 50% for 30m. ' +
              'Check its KV-cache usage (full caches evict), whether requests for one conversation are spread across replicas (routing), and ' +
              'whether the replica restarted.',
            ...links('kvcanaryreplicakvhitratelow', '?var-target=prod'),
          },
        }),
      ],
    },
    {
      name: 'a poor lifetime average does not fire once the recent hit ratio is good (rates, not lifetime totals)',
      // Three cold hours at 10%, then 40 minutes at 90%: the lifetime ratio is still about 27%.
      input: [targetInfo('prod', 220), ...prefixCache('r0', { hits: [rise(100, 180), rise(900, 40)], queries: [rise(1000, 220)] })],
      alerts: quiet('220m'),
    },
    {
      name: 'a replica restart (its counters back to zero) is not a low hit ratio',
      input: [targetInfo('prod', 60), ...prefixCache('r0', { hits: [rise(900, 30), restart, rise(900, 30)], queries: [rise(1000, 30), restart, rise(1000, 30)] })],
      alerts: quiet('35m', '60m'),
    },
    {
      name: 'an idle replica (no queries) has no ratio rather than a zero one',
      input: [targetInfo('prod', 60), ...prefixCache('r0', { hits: [rise(0, 60)], queries: [rise(0, 60)] })],
      alerts: quiet('60m'),
    },
  ],
};
