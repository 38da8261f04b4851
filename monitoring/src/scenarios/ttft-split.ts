import { exporterMetrics as m, recorded } from '@kvcanary/contract';
import { figure, type ScenarioFile } from './scenario.js';
import { counter, during, histogram, observe, rise, type CounterStretch } from './series.js';

/** The canary's TTFT of one target, `_sum` and `_count` (what the mean reads). */
const canary = (target: string, perMinute: number, seconds: number) =>
  histogram(m.ttft, { target, model: 'm', turn: '1', doc_type: 'CODE', instance: 'a' }, { sum: true, count: true }, during(20, observe(perMinute, seconds)));

/** A replica's own histogram of a phase as the exporter re-exports it: seconds and requests. */
const phase = (labels: { target: string; replica: string; phase: string; instance?: string }, c: { seconds: CounterStretch; requests: CounterStretch }) => [
  counter(m.replicaEnginePhaseSeconds, labels, c.seconds),
  counter(m.replicaEnginePhaseRequests, labels, c.requests),
];

export const ttftSplit: ScenarioFile = {
  name: 'ttft-split',
  about:
    "Where TTFT goes: the canary's mean TTFT, the replicas' own mean TTFT (and queue time) from their re-exported\n" +
    'histogram sums and counts, and the difference, time spent outside the engine. Rates are exact binary fractions,\n' +
    'so the sums come out the same in any order.',
  scenarios: [
    {
      name: '250 ms at the client, 104 ms in the engines, so 146 ms outside them',
      input: [
        // The canary: 120 requests a minute at 250 ms.
        ...canary('llm-d', 120, 0.25),
        // Two replicas, 120 requests a minute each: r0 at 125 ms, r1 at 62.5 ms; r0 queues 25 ms.
        ...phase({ target: 'llm-d', replica: 'r0', phase: 'ttft', instance: 'a' }, { seconds: rise(15, 20), requests: rise(120, 20) }),
        ...phase({ target: 'llm-d', replica: 'r1', phase: 'ttft', instance: 'a' }, { seconds: rise(7.5, 20), requests: rise(120, 20) }),
        ...phase({ target: 'llm-d', replica: 'r0', phase: 'queue', instance: 'a' }, { seconds: rise(3, 20), requests: rise(120, 20) }),
        // A second exporter watching r0 adds to its sums and counts alike.
        ...phase({ target: 'llm-d', replica: 'r0', phase: 'ttft', instance: 'b' }, { seconds: rise(15, 20), requests: rise(120, 20) }),
      ],
      figures: [
        figure(recorded.ttftMean, '15m', { labels: { target: 'llm-d' }, value: 0.25 }),
        // (15 + 7.5 + 15) / (120 + 120 + 120) per minute = 0.625 / 6 per second; queue 3 / 120.
        figure(
          recorded.enginePhaseMean,
          '15m',
          { labels: { target: 'llm-d', phase: 'ttft' }, value: 0.10416666666666667 },
          { labels: { target: 'llm-d', phase: 'queue' }, value: 0.025 },
        ),
        // 0.25 - 0.10416666666666667.
        figure(recorded.ttftOutsideEngine, '15m', { labels: { target: 'llm-d' }, value: 0.14583333333333331 }),
      ],
    },
    {
      name: 'replicas that served nothing give no engine mean, and no split, rather than NaN',
      input: [...canary('vllm', 100, 0.3), ...phase({ target: 'vllm', replica: 'r0', phase: 'ttft' }, { seconds: rise(0, 20), requests: rise(0, 20) })],
      figures: [figure(recorded.enginePhaseMean, '15m'), figure(recorded.ttftOutsideEngine, '15m')],
    },
  ],
};
