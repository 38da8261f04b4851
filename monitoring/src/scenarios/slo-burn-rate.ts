import { DEFAULT_TURN_CAP, exporterMetrics as m, turnLabel } from '@kvcanary/contract';
import { NAMESPACE, links, targetInfo } from './exporter-info.js';
import { fires, quiet, type ExpectedAlert, type ScenarioFile } from './scenario.js';
import { during, histogram, observe, probeRequests, restart, type HistogramStretch } from './series.js';

/** The burn rates read the SLO's bucket (`le="1"`) and the count, nothing else. */
const ttft = (...stretches: HistogramStretch[]) => [
  targetInfo('prod', 200),
  ...histogram(m.ttft, { target: 'prod', turn: turnLabel(1, DEFAULT_TURN_CAP) }, { buckets: [1], count: true }, ...stretches),
  probeRequests({ target: 'prod' }, ...stretches),
];

/** `count` probes a minute within the 1s objective. */
const within = (count: number) => observe(count, 0.5);
/** `count` probes a minute slower than it. */
const beyond = (count: number) => observe(count, 2);

/** The alert of one burn-rate tier, `share` being the long window's share of slow probes as the annotation rounds it. */
function burning(tier: { severity: string; long: string; short: string; burnRate: string }, share: string): ExpectedAlert {
  return {
    labels: { target: 'prod', namespace: NAMESPACE, severity: tier.severity, tier: `${tier.long}-${tier.short}` },
    annotations: {
      summary: `prod burns its TTFT error budget ${tier.burnRate}x too fast (${tier.long} and ${tier.short})`,
      description:
        `${share} of probes to prod waited more than 1s for the first token over the last ${tier.long} (objective 99% within 1s, so the ` +
        `budget is 1%; this tier fires at ${tier.burnRate}x budget over both ${tier.long} and ${tier.short}). Check the TTFT-by-turn and ` +
        'per-replica panels: later turns slowing means lost cache locality (router, evictions), all turns slowing means load or queueing ' +
        '(running/waiting requests, GPU utilisation).',
      ...links('kvcanaryttftsloburnrate', '?var-target=prod'),
    },
  };
}

export const sloBurnRate: ScenarioFile = {
  name: 'slo-burn-rate',
  alert: 'KVCanaryTTFTSLOBurnRate',
  about:
    'KVCanaryTTFTSLOBurnRate: objective 99% of probes within 1s (budget 1%).\n' +
    'Page tiers: 1h+5m at 14.4x, 6h+30m at 6x; ticket tiers: 1d+2h at 3x, 3d+6h at 1x. 10 probes a minute.',
  scenarios: [
    {
      name: 'half the probes over 1s for 40 minutes pages on both fast tiers, not yet the ticket tiers',
      input: ttft(during(120, within(10)), during(40, within(5), beyond(5))),
      alerts: [
        ...quiet('125m'),
        fires(
          '160m',
          burning({ severity: 'critical', long: '1h', short: '5m', burnRate: '14.4' }, '34.17%'),
          burning({ severity: 'critical', long: '6h', short: '30m', burnRate: '6' }, '12.81%'),
        ),
      ],
    },
    {
      name: 'a steady 5% over 1s is a slow burn - a ticket, never a page',
      input: ttft(during(200, within(9.5), beyond(0.5))),
      alerts: [fires('150m', burning({ severity: 'warning', long: '1d', short: '2h', burnRate: '3' }, '5%'))],
    },
    {
      name: 'a sparse target (3 probes a minute) with half of them over 1s: too few in 5m for the 1h-5m page, enough in 30m for the 6h-30m one',
      input: ttft(during(120, within(3)), during(40, within(1.5), beyond(1.5))),
      alerts: [...quiet('125m'), fires('160m', burning({ severity: 'critical', long: '6h', short: '30m', burnRate: '6' }, '12.81%'))],
    },
    {
      name: 'a three-minute spike of slow probes burns too little budget to alert',
      input: ttft(during(60, within(10)), during(3, beyond(10)), during(57, within(10))),
      alerts: quiet('66m', '120m'),
    },
    {
      name: 'an exporter restart (counters back to zero) is not a burn',
      input: ttft(during(60, within(10)), restart, during(60, within(10))),
      alerts: quiet('70m', '120m'),
    },
  ],
};
