import { MISSING_SECRET, SUCCESS, exporterMetrics as m, recorded, type Outcome } from '@kvcanary/contract';
import { failureOutcomes } from '../rules.js';
import { NAMESPACE, links, targetInfo } from './exporter-info.js';
import { fires, figure, quiet, type ExpectedAlert, type ScenarioFile } from './scenario.js';
import { counter, restart, rise, type CounterStretch } from './series.js';

const requests = (outcome: Outcome, ...stretches: CounterStretch[]) => counter(m.requests, { target: 'prod', model: 'm', outcome }, ...stretches);

/** The alert for prod with `share` of its requests failed, as the annotation rounds it. */
function failing(share: string): ExpectedAlert {
  return {
    labels: { target: 'prod', namespace: NAMESPACE, severity: 'critical' },
    annotations: {
      summary: `${share} of probes to prod fail`,
      description:
        `${share} of canary requests to prod did not succeed over 5m (threshold 5% for 10m). The "errors by outcome" panel splits ${failureOutcomes()}; ` +
        "check the exporter's log for the target, the servers' health and the API key.",
      ...links('kvcanaryprobefailing', '?var-target=prod'),
    },
  };
}

export const probeFailing: ScenarioFile = {
  name: 'probe-failing',
  alert: 'KVCanaryProbeFailing',
  about: 'KVCanaryProbeFailing: share of probe requests with outcome != success > 5% for 10m.',
  scenarios: [
    {
      name: 'one probe in ten timing out fires',
      input: [targetInfo('prod', 40), requests(SUCCESS, rise(9, 40)), requests('timeout', rise(1, 40))],
      alerts: [
        ...quiet('8m'),
        fires('30m', failing('10%')),
      ],
    },
    {
      name: 'a target whose API key is missing (nothing sent, every request missing_secret) fires',
      input: [targetInfo('prod', 30), requests(SUCCESS, rise(0, 30)), requests(MISSING_SECRET, rise(6, 30))],
      alerts: [
        fires('20m', failing('100%')),
      ],
    },
    {
      name: 'a sparse target (3 probes a minute, 15 in 5m) with one in three timing out stays quiet: too few probes to page on',
      input: [requests(SUCCESS, rise(2, 40)), requests('timeout', rise(1, 40))],
      alerts: quiet('8m', '30m'),
    },
    {
      name: 'a target that never failed has an error ratio of 0, not none, and does not fire',
      input: [targetInfo('prod', 30), requests(SUCCESS, rise(10, 30))],
      figures: [figure(recorded.errorRatio, '20m', { labels: { target: 'prod' }, value: 0 })],
      alerts: quiet('30m'),
    },
    {
      name: 'a three-minute burst of connection errors is shorter than the 10m hold',
      input: [targetInfo('prod', 50), requests(SUCCESS, rise(10, 20), rise(5, 3), rise(10, 27)), requests('connect_error', rise(0, 20), rise(5, 3), rise(0, 27))],
      alerts: quiet('27m', '50m'),
    },
    {
      name: 'an exporter restart (counters back to zero) is not a failure',
      input: [targetInfo('prod', 60), requests(SUCCESS, rise(100, 30), restart, rise(100, 30)), requests('http_error', rise(1, 30), restart, rise(1, 30))],
      alerts: quiet('35m', '60m'),
    },
  ],
};
