/**
 * A promtool scenario file as a specification: the alert it is about and, case by case, the input series
 * over time, the recorded figures expected at given times, and when the alert stays quiet or fires with
 * which labels and annotations. `renderScenarioFile` writes it in promtool's test file format
 * (https://prometheus.io/docs/prometheus/latest/configuration/unit_testing_rules/).
 */
import type { RecordedSeries } from '@kvcanary/contract';
import { Document, isMap, isScalar, isSeq, visit } from 'yaml';
import type { Duration } from '../config.js';
import { selector, type InputSeries } from './series.js';

export interface ExpectedAlert {
  /** Every label of the firing alert but `alertname`: its series' labels and the rule's own. */
  labels: Record<string, string>;
  /** Every annotation the rule renders (promtool compares the whole set), when the case asserts them. */
  annotations?: { summary: string; description: string } & Record<string, string>;
}

/** At `at` (time since the start of the inputs), exactly these alerts are firing: none when quiet. */
export interface AlertCheck {
  at: Duration;
  fires: readonly ExpectedAlert[];
}

export interface FigureSample {
  labels: Record<string, string>;
  value: number;
}

/** At `at`, the recorded series has exactly these samples. */
export interface FigureCheck {
  series: RecordedSeries;
  at: Duration;
  samples: readonly FigureSample[];
}

export interface Scenario {
  name: string;
  input: readonly InputSeries[];
  figures?: readonly FigureCheck[];
  /** Absent in a file about recorded figures only. */
  alerts?: readonly AlertCheck[];
}

export interface ScenarioFile {
  /** `prometheus/tests/<name>.test.yml`, written from `monitoring/src/scenarios/<name>.ts`. */
  name: string;
  /** The alert every case of the file checks; absent in a file about recorded figures only. */
  alert?: string;
  /** What the alert does and how to read the inputs: the file's header comment. */
  about: string;
  scenarios: readonly Scenario[];
}

/** The alert is not firing at any of these times. */
export function quiet(...times: Duration[]): AlertCheck[] {
  return times.map((at) => ({ at, fires: [] }));
}

export function fires(at: Duration, ...alerts: ExpectedAlert[]): AlertCheck {
  return { at, fires: alerts };
}

/** Expected samples of a recorded series; each carries exactly the labels the contract gives the series. */
export function figure(series: RecordedSeries, at: Duration, ...samples: FigureSample[]): FigureCheck {
  const declared = [...series.labels].sort().join(', ');
  for (const s of samples) {
    const given = Object.keys(s.labels).sort().join(', ');
    if (given !== declared) throw new Error(`samples of ${series.name} carry the labels ${declared}, not ${given}`);
  }
  return { series, at, samples };
}

/** One sample a minute and the rules evaluated every minute: the builders' stretches count minutes. */
const interval = '1m';

function promtoolTest(alert: string | undefined, s: Scenario): Record<string, unknown> {
  if (s.alerts !== undefined && alert === undefined) throw new Error(`scenario "${s.name}" checks alerts, but its file names no alert`);
  return {
    name: s.name,
    interval,
    input_series: s.input,
    ...(s.figures === undefined
      ? {}
      : {
          promql_expr_test: s.figures.map((f) => ({
            expr: f.series.name,
            eval_time: f.at,
            exp_samples: f.samples.map((x) => ({ labels: selector(f.series.name, x.labels), value: x.value })),
          })),
        }),
    ...(s.alerts === undefined
      ? {}
      : {
          alert_rule_test: s.alerts.map((a) => ({
            eval_time: a.at,
            alertname: alert,
            exp_alerts: a.fires.map((e) => ({ exp_labels: e.labels, ...(e.annotations === undefined ? {} : { exp_annotations: e.annotations }) })),
          })),
        }),
  };
}

/** The test file, `header` first and `about` as a comment; `ruleFile` is the rule file's path from the test file. */
export function renderScenarioFile(file: ScenarioFile, header: string, ruleFile: string): string {
  const about = file.about
    .split('\n')
    .map((line) => `# ${line}\n`)
    .join('');
  const doc = new Document({ rule_files: [ruleFile], evaluation_interval: interval, tests: file.scenarios.map((s) => promtoolTest(file.alert, s)) });
  // One line per input series, so the inputs of a case read as a table of series and their values over time.
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.value === 'input_series' && isSeq(pair.value)) {
        for (const series of pair.value.items) if (isMap(series)) series.flow = true;
      }
    },
  });
  return header + about + doc.toString({ lineWidth: 0 });
}
