import { SUCCESS, exporterMetrics as m } from '@kvcanary/contract';
import { NAMESPACE, links, targetInfo } from './exporter-info.js';
import { fires, quiet, type ScenarioFile } from './scenario.js';
import { counter, gauge, hold, missing, prometheusUp, restart, rise, type CounterStretch, type GaugeStretch } from './series.js';

/** What Prometheus attaches to every series it scrapes from one exporter. */
const exporter = { job: 'kvcanary', instance: 'a' };
/** The same for an exporter pod scraped at its address by prometheus-operator, which adds its namespace. */
const pod = { job: 'kvcanary', instance: '10.0.0.7:9464', namespace: NAMESPACE };

/**
 * One exporter probing target prod, as Prometheus sees it: whether its scrapes succeed (`up`), its build
 * info and the target's up gauge while it is `exposed`, and its count of `finished` requests.
 */
const probing = (p: { up: GaugeStretch[]; exposed: GaugeStretch[]; finished: CounterStretch[] }) => [
  gauge(prometheusUp, exporter, ...p.up),
  gauge(m.buildInfo, { ...exporter, version: '0.1.0' }, ...p.exposed),
  gauge(m.targetUp, { ...exporter, target: 'prod' }, ...p.exposed),
  targetInfo('prod', 40, { instance: exporter.instance }),
  counter(m.requests, { ...exporter, target: 'prod', model: 'm', outcome: SUCCESS }, ...p.finished),
];

export const probeAbsent: ScenarioFile = {
  name: 'probe-absent',
  alert: 'KVCanaryProbeAbsent',
  about:
    'KVCanaryProbeAbsent: exporter not scraped (up == 0), no exporter at all, or a known target with no\n' +
    'finished probe in 10m; each for 10m.',
  scenarios: [
    {
      name: 'an exporter that stops answering scrapes fires exporter_down',
      input: [
        gauge(prometheusUp, pod, hold(1, 10), hold(0, 30)),
        gauge(m.buildInfo, { ...pod, version: '0.1.0' }, hold(1, 10)),
      ],
      alerts: [
        fires(
          '31m',
          {
            labels: { job: 'kvcanary', instance: '10.0.0.7:9464', namespace: NAMESPACE, reason: 'exporter_down', severity: 'warning' },
            annotations: {
              summary: 'kvcanary exporter 10.0.0.7:9464 is down',
              description:
                'Prometheus cannot scrape the kvcanary exporter 10.0.0.7:9464 (job kvcanary) for 10m: no canary figures are being collected. ' +
                'Check the exporter pod (crash loop, config error in its log) and its Service/ServiceMonitor.',
              ...links('kvcanaryprobeabsent'),
            },
          },
          {
            labels: { reason: 'no_exporter', severity: 'warning' },
            annotations: {
              summary: 'No kvcanary exporter is scraped',
              description:
                `No series ${m.buildInfo.name} for 10m: Prometheus scrapes no kvcanary exporter at all. Check the ServiceMonitor or PodMonitor ` +
                'selectors (the kube-prometheus-stack "release" label, OpenShift user-workload monitoring) or the scrape config.',
              ...links('kvcanaryprobeabsent'),
            },
          },
        ),
      ],
    },
    {
      name: 'a target whose probes stopped finishing fires no_probes',
      input: probing({ up: [hold(1, 40)], exposed: [hold(1, 40)], finished: [rise(10, 10), rise(0, 30)] }),
      alerts: [
        ...quiet('15m'),
        fires('35m', {
          labels: { target: 'prod', namespace: NAMESPACE, reason: 'no_probes', severity: 'warning' },
          annotations: {
            summary: 'No probe to prod finished in 10m',
            description:
              'The exporter knows target prod but recorded no finished canary request for it in 10m (for 10m), so every figure for it is ' +
              "stale. Check the exporter's schedule (pace, parallel), requests stuck without a timeout, and the exporter's log.",
            ...links('kvcanaryprobeabsent', '?var-target=prod'),
          },
        }),
      ],
    },
    {
      name: 'a healthy exporter probing its target does not fire',
      input: probing({ up: [hold(1, 40)], exposed: [hold(1, 40)], finished: [rise(10, 40)] }),
      alerts: quiet('40m'),
    },
    {
      name: 'three failed scrapes are shorter than the 10m hold, and a restart (counters back to zero) still counts as probing',
      input: probing({
        up: [hold(1, 10), hold(0, 3), hold(1, 27)],
        exposed: [hold(1, 10), missing(3), hold(1, 27)],
        finished: [rise(10, 10), missing(3), restart, rise(10, 27)],
      }),
      alerts: quiet('13m', '30m'),
    },
  ],
};
