/**
 * Builders for the input series of the promtool scenarios, in the shapes the exporter produces: counters
 * that rise, gauges that hold, histograms fed by observations. Every name and label comes from the
 * metric definition passed in (a contract definition), so a metric renamed in the contract renames its
 * scenario inputs.
 *
 * Each builder writes promtool's expanding notation
 * (https://prometheus.io/docs/prometheus/latest/configuration/unit_testing_rules/), one sample per
 * test interval (a minute in every scenario): `a+bxn` is the n+1 samples a, a+b, ..., a+nb; `axn` is
 * n+1 samples of a; `_xn` is n missing samples. A counter's stretch after the first starts on the value
 * the previous one ended with, so that value is written twice: the minute where two stretches meet rises
 * by nothing.
 */
import { SUCCESS, exporterMetrics, histogramSeries, type MetricDefinition } from '@kvcanary/contract';

/** One `input_series` entry of a promtool test. */
export interface InputSeries {
  series: string;
  values: string;
}

/** What a builder needs of a series: its name and the labels it may carry. */
export interface SeriesDefinition<L extends string = string> {
  name: string;
  labels: readonly L[];
}

/** Labels Prometheus attaches to everything it scrapes from one target (prometheus-operator adds the namespace). */
interface TargetLabels {
  job?: string;
  instance?: string;
  namespace?: string;
}

/** Any of a series' own labels (a scenario leaves out those its rules ignore), plus the scrape target's. */
export type LabelsOf<L extends string> = Partial<Record<L, string>> & TargetLabels;

/** Prometheus's own scrape-health series, one per scraped target (https://prometheus.io/docs/concepts/jobs_instances/). */
export const prometheusUp: SeriesDefinition<never> = { name: 'up', labels: [] };

interface Rise {
  kind: 'rise';
  by: number;
  minutes: number;
}

interface Hold {
  kind: 'hold';
  value: number;
  minutes: number;
}

interface Samples {
  kind: 'samples';
  values: readonly number[];
}

interface Missing {
  kind: 'missing';
  minutes: number;
}

interface Restart {
  kind: 'restart';
}

export type CounterStretch = Rise | Missing | Restart;
export type GaugeStretch = Hold | Samples | Missing;

/** A counter rising by `by` every minute for `minutes` minutes. */
export const rise = (by: number, minutes: number): Rise => ({ kind: 'rise', by, minutes });
/** A gauge holding `value` for `minutes` minutes. */
export const hold = (value: number, minutes: number): Hold => ({ kind: 'hold', value, minutes });
/** A gauge's samples one by one, a minute apart. */
export const samples = (...values: number[]): Samples => ({ kind: 'samples', values });
/** `minutes` scrapes that returned nothing. */
export const missing = (minutes: number): Missing => ({ kind: 'missing', minutes });
/** The exporter or replica restarted: counters start again from zero. */
export const restart: Restart = { kind: 'restart' };

/** Twelve significant digits: sums such as 0.64 * 20 read 12.8, not 12.800000000000001. */
function format(value: number): string {
  return String(Number(value.toPrecision(12)));
}

/** A series as PromQL and promtool write it: `name{label="value",...}`. */
export function selector(name: string, labels: Record<string, string | undefined>): string {
  const pairs = Object.entries(labels).flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${JSON.stringify(v)}`]));
  return pairs.length === 0 ? name : `${name}{${pairs.join(',')}}`;
}

/** Consecutive rises at one rate are one stretch: a bucket that counts every observation rises through phase changes. */
function mergeRises(stretches: readonly CounterStretch[]): CounterStretch[] {
  const merged: CounterStretch[] = [];
  for (const s of stretches) {
    const last = merged.at(-1);
    if (s.kind === 'rise' && last?.kind === 'rise' && last.by === s.by) merged[merged.length - 1] = rise(s.by, last.minutes + s.minutes);
    else merged.push(s);
  }
  return merged;
}

function counterValues(stretches: readonly CounterStretch[]): string {
  const parts: string[] = [];
  let value = 0;
  for (const s of mergeRises(stretches)) {
    if (s.kind === 'restart') value = 0;
    else if (s.kind === 'missing') parts.push(`_x${s.minutes}`);
    else {
      parts.push(`${format(value)}+${format(s.by)}x${s.minutes}`);
      value += s.by * s.minutes;
    }
  }
  return parts.join(' ');
}

function gaugeValues(stretches: readonly GaugeStretch[]): string {
  return stretches
    .map((s) => {
      if (s.kind === 'hold') return `${format(s.value)}x${s.minutes}`;
      if (s.kind === 'missing') return `_x${s.minutes}`;
      return s.values.map(format).join(' ');
    })
    .join(' ');
}

export function counter<const L extends string>(metric: SeriesDefinition<L>, labels: LabelsOf<L>, ...stretches: CounterStretch[]): InputSeries {
  return { series: selector(metric.name, labels), values: counterValues(stretches) };
}

export function gauge<const L extends string>(metric: SeriesDefinition<L>, labels: LabelsOf<L>, ...stretches: GaugeStretch[]): InputSeries {
  return { series: selector(metric.name, labels), values: gaugeValues(stretches) };
}

/** `count` observations of `value` every minute (a rate: 9.5 a minute is 19 every two minutes). */
export interface Observation {
  count: number;
  value: number;
}

interface Phase {
  kind: 'phase';
  minutes: number;
  observations: readonly Observation[];
}

export type HistogramStretch = Phase | Restart;

export const observe = (count: number, value: number): Observation => ({ count, value });
/** `minutes` minutes in which every minute sees the same observations. */
export const during = (minutes: number, ...observations: Observation[]): Phase => ({ kind: 'phase', minutes, observations });

/** Which sample series of the histogram a scenario writes: its rules read only some of them. */
export interface HistogramParts {
  /** `_bucket` series by upper bound: bounds of the metric's buckets in the contract, or `+Inf`. */
  buckets?: readonly (number | '+Inf')[];
  sum?: boolean;
  count?: boolean;
}

function bucketBound(metric: MetricDefinition, le: number | '+Inf'): number {
  if (le === '+Inf') return Infinity;
  if (!(metric.buckets ?? []).includes(le)) {
    throw new Error(`${metric.name} has no bucket le="${le}" (its bounds: ${(metric.buckets ?? []).join(', ')})`);
  }
  return le;
}

/**
 * A histogram's sample series, cumulative as Prometheus stores them: every minute of a phase, each
 * `_bucket` rises by the observations at or under its bound, `_sum` by their total and `_count` by
 * their number.
 */
export function histogram<const L extends string>(
  metric: MetricDefinition<L>,
  labels: LabelsOf<L>,
  parts: HistogramParts,
  ...stretches: HistogramStretch[]
): InputSeries[] {
  const series = (part: 'bucket' | 'sum' | 'count', extra: Record<string, string>, perMinute: (o: readonly Observation[]) => number): InputSeries => ({
    series: selector(histogramSeries(metric, part), { ...labels, ...extra }),
    values: counterValues(stretches.map((s) => (s.kind === 'restart' ? s : rise(perMinute(s.observations), s.minutes)))),
  });
  const total = (observations: readonly Observation[], of: (o: Observation) => number): number =>
    observations.reduce((sum, o) => sum + of(o), 0);
  return [
    ...(parts.buckets ?? []).map((le) => {
      const bound = bucketBound(metric, le);
      return series('bucket', { le: String(le) }, (os) => total(os.filter((o) => o.value <= bound), (o) => o.count));
    }),
    ...(parts.sum === true ? [series('sum', {}, (os) => total(os, (o) => o.count * o.value))] : []),
    ...(parts.count === true ? [series('count', {}, (os) => total(os, (o) => o.count))] : []),
  ];
}

/**
 * The successful probe requests behind a target's TTFT observations, phase by phase: the count the
 * alerts' minimum-evidence clause reads (`minProbeRequests` in the rule config).
 */
export function probeRequests(of: { target: string; instance?: string; vantage?: string }, ...stretches: HistogramStretch[]): InputSeries {
  const perMinute = (os: readonly Observation[]): number => os.reduce((sum, o) => sum + o.count, 0);
  return counter(exporterMetrics.requests, { ...of, outcome: SUCCESS }, ...stretches.map((s) => (s.kind === 'restart' ? s : rise(perMinute(s.observations), s.minutes))));
}
