import { PanelPlugin } from '@grafana/data';
import { ComparisonPanel } from './components/ComparisonPanel';
import { ComparisonOptions, DEFAULT_OPTIONS as D } from './options';

const SECTIONS = 'Sections';
const FORMAT = 'Units and thresholds';

export const plugin = new PanelPlugin<ComparisonOptions>(ComparisonPanel).setPanelOptions((builder) =>
  builder
    .addTextInput({
      path: 'targetLabel',
      name: 'Target label',
      description: 'The label whose value names a target on every kvcanary series.',
      defaultValue: D.targetLabel,
      category: ['Targets'],
    })
    .addTextInput({
      path: 'baseline',
      name: 'Baseline',
      description: 'Target value shown as baseline. Empty: the first target seen.',
      defaultValue: D.baseline,
      category: ['Targets'],
    })
    .addTextInput({
      path: 'candidate',
      name: 'Candidate',
      description: 'Target value shown as candidate. Empty: the first other target seen.',
      defaultValue: D.candidate,
      category: ['Targets'],
    })
    .addBooleanSwitch({ path: 'showHeadline', name: 'P50 / P95 / P99 and cache speedup', defaultValue: D.showHeadline, category: [SECTIONS] })
    .addBooleanSwitch({ path: 'showTurns', name: 'TTFT by turn', defaultValue: D.showTurns, category: [SECTIONS] })
    .addBooleanSwitch({ path: 'showFirstLater', name: 'First vs later turns', defaultValue: D.showFirstLater, category: [SECTIONS] })
    .addBooleanSwitch({
      path: 'showTtftSplit',
      name: 'Where TTFT goes (client vs engine)',
      description: "The canary's mean TTFT beside the replicas' own, and the time outside the engine. Shown when the replicas report their timings.",
      defaultValue: D.showTtftSplit,
      category: [SECTIONS],
    })
    .addBooleanSwitch({ path: 'showReplicas', name: 'Per-replica KV and GPU', defaultValue: D.showReplicas, category: [SECTIONS] })
    .addBooleanSwitch({ path: 'showFreshness', name: 'Freshness (request counts)', defaultValue: D.showFreshness, category: [SECTIONS] })
    .addRadio({
      path: 'latencyUnit',
      name: 'Latency unit',
      defaultValue: D.latencyUnit,
      settings: {
        options: [
          { value: 'ms', label: 'ms' },
          { value: 's', label: 's' },
        ],
      },
      category: [FORMAT],
    })
    .addNumberInput({
      path: 'decimals',
      name: 'Decimals',
      description: 'Decimals for latencies. Empty: 0 for ms, 2 for s.',
      settings: { min: 0, max: 4, integer: true },
      category: [FORMAT],
    })
    .addNumberInput({
      path: 'betterThreshold',
      name: 'Better from (%)',
      description: 'A candidate at least this much better than baseline is shown green.',
      defaultValue: D.betterThreshold,
      settings: { min: 0 },
      category: [FORMAT],
    })
    .addNumberInput({
      path: 'worseThreshold',
      name: 'Worse from (%)',
      description: 'A candidate at least this much worse than baseline is shown red.',
      defaultValue: D.worseThreshold,
      settings: { min: 0 },
      category: [FORMAT],
    })
);
