import { BASELINE, CANDIDATE, DEFAULT_TURN_CAP, exporterMetrics as m, recorded, turnLabel } from '@kvcanary/contract';
import { NAMESPACE, links, targetInfo } from './exporter-info.js';
import { fires, figure, quiet, type ExpectedAlert, type ScenarioFile } from './scenario.js';
import { during, histogram, observe, probeRequests, restart, type HistogramStretch } from './series.js';

const firstTurn = { target: 'prod', turn: turnLabel(1, DEFAULT_TURN_CAP) };
const laterTurn = { target: 'prod', turn: turnLabel(2, DEFAULT_TURN_CAP) };

/** The means read only `_sum` and `_count`. */
const ttft = (labels: typeof firstTurn, ...stretches: HistogramStretch[]) => histogram(m.ttft, labels, { sum: true, count: true }, ...stretches);

const coldPrefill = observe(2, 0.33);
const cached = observe(8, 0.08);
const uncached = observe(8, 0.25);

/** The alert for prod once its later turns are as slow as a cold prefill. */
const collapsed: ExpectedAlert = {
  labels: { target: 'prod', namespace: NAMESPACE, severity: 'warning' },
  annotations: {
    summary: 'prod cache speedup fell to 1.32x',
    description:
      'Turn-1 mean TTFT of prod (330ms) is only 1.32x its later-turn mean (250ms) over 5m; below 2x for 15m. Later turns resend the ' +
      'conversation, so they should hit the prefix cache. Check that the router is prefix-aware (a Service round-robins, which spreads ' +
      'a conversation over replicas), the per-replica KV hit ratio, KV-cache usage near 1 (evictions) and that prefix caching is ' +
      'enabled on the servers.',
    ...links('kvcanarycachespeedupcollapsed', '?var-target=prod'),
  },
};

export const cacheSpeedup: ScenarioFile = {
  name: 'cache-speedup',
  alert: 'KVCanaryCacheSpeedupCollapsed',
  about:
    'KVCanaryCacheSpeedupCollapsed: turn-1 mean TTFT / later-turn mean TTFT < 2 for 15m, for targets whose role is\n' +
    'candidate or none (expected to hold their cache); a baseline is often a round-robin Service, poor by design.\n' +
    'Turn 1: 2 probes a minute at 0.33s. Later turns: 8 a minute, 0.08s while cached, 0.25s when the cache stops helping.',
  scenarios: [
    {
      name: 'later turns as slow as a cold prefill collapse the speedup from 4.1x to 1.3x',
      input: [
        targetInfo('prod', 60),
        ...ttft(firstTurn, during(60, coldPrefill)),
        ...ttft(laterTurn, during(20, cached), during(40, uncached)),
        probeRequests({ target: 'prod' }, during(60, coldPrefill, cached)),
      ],
      figures: [
        figure(recorded.cacheSpeedup, '15m', { labels: { target: 'prod' }, value: 4.124999999999999 }),
        figure(
          recorded.ttftMeanByTurn,
          '15m',
          { labels: firstTurn, value: 0.32999999999999996 },
          { labels: laterTurn, value: 0.08000000000000002 },
        ),
      ],
      alerts: [
        ...quiet('15m'),
        fires('50m', collapsed),
      ],
    },
    {
      name: 'a candidate collapsing the same way fires too',
      input: [
        targetInfo('prod', 60, { role: CANDIDATE }),
        ...ttft(firstTurn, during(60, coldPrefill)),
        ...ttft(laterTurn, during(20, cached), during(40, uncached)),
        probeRequests({ target: 'prod' }, during(60, coldPrefill, cached)),
      ],
      alerts: [fires('50m', collapsed)],
    },
    {
      name: 'a baseline (a round-robin Service) with the same collapse does not fire: it is not expected to hold its cache',
      input: [
        targetInfo('prod', 60, { role: BASELINE }),
        ...ttft(firstTurn, during(60, coldPrefill)),
        ...ttft(laterTurn, during(20, cached), during(40, uncached)),
        probeRequests({ target: 'prod' }, during(60, coldPrefill, cached)),
      ],
      alerts: quiet('50m'),
    },
    {
      name: 'a five-minute dip is shorter than the 15m hold',
      input: [
        targetInfo('prod', 60),
        ...ttft(firstTurn, during(60, coldPrefill)),
        ...ttft(laterTurn, during(20, cached), during(5, uncached), during(35, cached)),
        probeRequests({ target: 'prod' }, during(60, coldPrefill, cached)),
      ],
      alerts: quiet('30m', '60m'),
    },
    {
      name: 'an exporter restart (every counter back to zero) leaves a healthy speedup healthy',
      input: [
        targetInfo('prod', 60),
        ...ttft(firstTurn, during(30, coldPrefill), restart, during(30, coldPrefill)),
        ...ttft(laterTurn, during(30, cached), restart, during(30, cached)),
        probeRequests({ target: 'prod' }, during(30, coldPrefill, cached), restart, during(30, coldPrefill, cached)),
      ],
      alerts: quiet('35m', '60m'),
    },
  ],
};
