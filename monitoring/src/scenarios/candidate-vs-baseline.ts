import { BASELINE, CANDIDATE, DEFAULT_TURN_CAP, exporterMetrics as m, overBaseline, recorded, turnLabel, type Role } from '@kvcanary/contract';
import { NAMESPACE, links, targetInfo } from './exporter-info.js';
import { fires, figure, quiet, type ScenarioFile } from './scenario.js';
import { during, histogram, observe, probeRequests, type HistogramParts, type HistogramStretch } from './series.js';

const role = (target: string, side: Role, minutes: number, instance?: string) => targetInfo(target, minutes, { role: side, instance });

const laterTurn = turnLabel(2, DEFAULT_TURN_CAP);
const ttft = (of: { target: string; instance?: string }, buckets: HistogramParts['buckets'], ...stretches: HistogramStretch[]) => [
  ...histogram(m.ttft, { ...of, turn: laterTurn }, { buckets }, ...stretches),
  probeRequests(of, ...stretches),
];

/** 10 probes a minute under 0.1s: P95 0.095s. */
const fast = observe(10, 0.05);
/** 10 probes a minute between 0.5s and 1s: P95 0.975s. */
const slow = observe(10, 0.75);

export const candidateVsBaseline: ScenarioFile = {
  name: 'candidate-vs-baseline',
  alert: 'KVCanaryCandidateSlowerThanBaseline',
  about:
    'KVCanaryCandidateSlowerThanBaseline: candidate P95 / baseline P95 > 1.2 for 30m.\n' +
    `Roles come from the exporter's ${m.targetInfo.name}{target, role}. 10 probes a minute per target.`,
  scenarios: [
    {
      name: 'a candidate ten times slower than its baseline fires, naming the baseline',
      input: [
        role('vllm', BASELINE, 60, 'a'),
        role('llmd', CANDIDATE, 60, 'a'),
        // The same targets seen by a second exporter: roles and histograms must not be counted twice.
        role('vllm', BASELINE, 60, 'b'),
        role('llmd', CANDIDATE, 60, 'b'),
        ...ttft({ target: 'vllm', instance: 'a' }, [0.1, '+Inf'], during(60, fast)),
        ...ttft({ target: 'llmd', instance: 'a' }, [0.5, 1, '+Inf'], during(60, slow)),
      ],
      figures: [figure(overBaseline(recorded.ttftP95), '40m', { labels: { target: 'llmd', baseline: 'vllm' }, value: 10.26315789473684 })],
      alerts: [
        ...quiet('20m'),
        fires('40m', {
          labels: { target: 'llmd', baseline: 'vllm', namespace: NAMESPACE, severity: 'warning' },
          annotations: {
            summary: "Candidate llmd P95 TTFT is 10.26x baseline vllm's",
            description:
              'P95 TTFT of candidate llmd is 975ms, 10.26x that of baseline vllm on the same conversations (threshold 1.2x for 30m). Check the ' +
              'two side by side in the kvcanary comparison panel: cache speedup and per-replica KV hit ratio show whether the candidate loses ' +
              'cache locality; first-turn TTFT shows whether it is slower at prefill itself.',
            ...links('kvcanarycandidateslowerthanbaseline', '?var-target=llmd&var-baseline=vllm&var-candidate=llmd'),
          },
        }),
      ],
    },
    {
      name: 'a candidate faster than its baseline does not fire',
      input: [
        role('vllm', BASELINE, 60),
        role('llmd', CANDIDATE, 60),
        ...ttft({ target: 'llmd' }, [0.1, '+Inf'], during(60, fast)),
        ...ttft({ target: 'vllm' }, [0.5, 1, '+Inf'], during(60, slow)),
      ],
      alerts: quiet('50m'),
    },
    {
      name: 'without roles there is no comparison and nothing to fire',
      input: [...ttft({ target: 'vllm' }, [0.1, '+Inf'], during(60, fast)), ...ttft({ target: 'llmd' }, [1, '+Inf'], during(60, slow))],
      alerts: quiet('50m'),
    },
    {
      name: 'a twenty-minute slowdown of the candidate is shorter than the 30m hold',
      input: [
        role('vllm', BASELINE, 90),
        role('llmd', CANDIDATE, 90),
        ...ttft({ target: 'vllm' }, [0.1, '+Inf'], during(90, fast)),
        ...ttft({ target: 'llmd' }, [0.1, '+Inf'], during(30, fast), during(20, slow), during(40, fast)),
      ],
      alerts: quiet('55m', '90m'),
    },
  ],
};
