import { DataFrame, Field, FieldType } from '@grafana/data';
import { ComparisonOptions } from '../options';
import { buildViewModel, compareTurns } from './compare';
import { emptyTarget, ReplicaView, TargetFigures, ViewModel } from './view-model';

/** One number as Grafana delivered it, with everything that may name it. */
interface Sample {
  /** Lower-cased names that may identify the figure: __name__, field name, legend, frame name, refId. */
  text: string;
  labels: Record<string, string>;
  value: number;
}

type ReplicaField = 'hitRatio' | 'kvUsage' | 'gpuUtil' | 'up' | 'probeRequests' | 'running' | 'waiting';

type Figure =
  | { kind: 'quantile'; quantile: 'p50' | 'p95' | 'p99' }
  | { kind: 'cacheSpeedup' }
  | { kind: 'turn'; turn: string }
  | { kind: 'firstTurn' }
  | { kind: 'laterTurns' }
  | { kind: 'replica'; replica: string; field: ReplicaField }
  | { kind: 'requests'; outcome: string | null }
  | { kind: 'targetUp' }
  | { kind: 'lastSuccess' };

export interface FramesInput {
  series: DataFrame[];
  /** Query errors as Grafana reports them (PanelData.errors). */
  errors?: Array<{ message?: string; refId?: string }>;
  options: ComparisonOptions;
}

/** Grafana's generic value-column names carry no meaning ("Value", "Value #A" in table format). */
const GENERIC_FIELD = /^(value|time)( #\w+)?$/i;

function lastFinite(field: Field): number | null {
  for (let i = field.values.length - 1; i >= 0; i--) {
    const v: unknown = field.values[i];
    if (typeof v === 'number' && Number.isFinite(v)) {
      return v;
    }
  }
  return null;
}

function refIdOf(field: Field, frame: DataFrame): string {
  return /^value #(\w+)$/i.exec(field.name)?.[1] ?? frame.refId ?? '';
}

function describe(field: Field, frame: DataFrame, labels: Record<string, string>): string {
  return [
    labels.__name__,
    GENERIC_FIELD.test(field.name) ? undefined : field.name,
    field.config?.displayNameFromDS,
    frame.name,
    refIdOf(field, frame),
  ]
    .filter((s): s is string => typeof s === 'string' && s !== '')
    .join(' ')
    .toLowerCase();
}

/**
 * Flattens whatever shape Grafana's Prometheus data source produced into samples:
 * - time series (range or instant, one frame per series, labels on the value field): the last value;
 * - table format (label columns as strings, one row per series, "Value #A" columns): one sample per row and column.
 */
export function samplesFromFrames(frames: DataFrame[]): Sample[] {
  const samples: Sample[] = [];
  for (const frame of frames) {
    const numbers = frame.fields.filter((f) => f.type === FieldType.number);
    const labelColumns = frame.fields.filter((f) => f.type === FieldType.string);
    for (const field of numbers) {
      if (labelColumns.length === 0) {
        const value = lastFinite(field);
        const labels = { ...(field.labels ?? {}) };
        if (value !== null) {
          samples.push({ text: describe(field, frame, labels), labels, value });
        }
        continue;
      }
      for (let row = 0; row < frame.length; row++) {
        const value: unknown = field.values[row];
        if (typeof value !== 'number' || !Number.isFinite(value)) {
          continue;
        }
        const labels: Record<string, string> = { ...(field.labels ?? {}) };
        for (const column of labelColumns) {
          const label: unknown = column.values[row];
          if (label !== null && label !== undefined && label !== '') {
            labels[column.name] = String(label);
          }
        }
        samples.push({ text: describe(field, frame, labels), labels, value });
      }
    }
  }
  return samples;
}

function quantileOf(sample: Sample): 'p50' | 'p95' | 'p99' | null {
  const q = sample.labels.quantile;
  if (q !== undefined) {
    const n = Number(q);
    return n === 0.5 ? 'p50' : n === 0.95 ? 'p95' : n === 0.99 ? 'p99' : null;
  }
  const m = /(?:^|[^a-z0-9])(?:p|q|quantile_?)?(50|95|99)(?:$|[^0-9])|0\.(5|95|99)(?:$|[^0-9])/.exec(sample.text);
  const digits = m?.[1] ?? (m?.[2] === '5' ? '50' : m?.[2]);
  return digits === '50' ? 'p50' : digits === '95' ? 'p95' : digits === '99' ? 'p99' : null;
}

/**
 * Which figure a sample is, from its metric name (or recording-rule name, legend, refId) and labels.
 * Tolerant on purpose: recording rules (`target:kvcanary_ttft_seconds:p95`), legends ("P95") and refIds name figures too.
 */
export function classify(sample: Sample): Figure | null {
  const t = sample.text;
  if (/over_baseline/.test(t)) {
    return null; // recording rules comparing a target with its baseline; the panel compares the raw figures itself
  }
  const replica = sample.labels.replica ?? sample.labels.pod;
  if (replica === undefined && t.includes('replica')) {
    return null; // a target-wide aggregate of replica figures (e.g. target:kvcanary_replica_prefix_cache_hits:ratio)
  }
  if (replica !== undefined) {
    const name = replica;
    if (/hits?_total|queries_total/.test(t) && !/ratio|rate/.test(t)) {
      return null; // raw counters: only their rate() ratio is a hit rate
    }
    if (/hit/.test(t)) {
      return { kind: 'replica', replica: name, field: 'hitRatio' };
    }
    if (/kv.?cache.?usage|kv.?usage|cache_usage/.test(t)) {
      return { kind: 'replica', replica: name, field: 'kvUsage' };
    }
    if (/gpu/.test(t)) {
      return { kind: 'replica', replica: name, field: 'gpuUtil' };
    }
    if (/probe_requests/.test(t)) {
      return { kind: 'replica', replica: name, field: 'probeRequests' };
    }
    if (/running/.test(t)) {
      return { kind: 'replica', replica: name, field: 'running' };
    }
    if (/waiting/.test(t)) {
      return { kind: 'replica', replica: name, field: 'waiting' };
    }
    if (/(^|[^a-z])up($|[^a-z])|replica_up/.test(t)) {
      return { kind: 'replica', replica: name, field: 'up' };
    }
    return null;
  }
  if (/duration|inter_token|itl|tokens/.test(t)) {
    return null; // other latency and token figures the panel does not show
  }
  if (/speedup/.test(t)) {
    return { kind: 'cacheSpeedup' };
  }
  const aboutTtft = /ttft|time_to_first_token/.test(t);
  if (aboutTtft || /turn/.test(t)) {
    if (/first/.test(t)) {
      return { kind: 'firstTurn' };
    }
    if (/later/.test(t)) {
      return { kind: 'laterTurns' };
    }
    if (sample.labels.turn !== undefined) {
      return { kind: 'turn', turn: sample.labels.turn };
    }
  }
  // A histogram_quantile() result has no __name__, so a legend or refId like "P95" names it.
  if (aboutTtft || sample.labels.quantile !== undefined || /(^|[^a-z0-9])p(50|95|99)($|[^0-9])/.test(t)) {
    const quantile = quantileOf(sample);
    if (quantile) {
      return { kind: 'quantile', quantile };
    }
    if (aboutTtft) {
      return null;
    }
  }
  if (/target_up/.test(t)) {
    return { kind: 'targetUp' };
  }
  if (/last_success/.test(t)) {
    return { kind: 'lastSuccess' };
  }
  // Counts only: a request rate or an error ratio is not how many requests the figures rest on.
  if (/requests/.test(t) && !/rate|ratio/.test(t)) {
    return { kind: 'requests', outcome: sample.labels.outcome ?? null };
  }
  return null;
}

/** Latencies arrive in seconds (Prometheus base units) unless a name says milliseconds. */
function toMs(sample: Sample): number {
  return /(^|[^a-z])ms($|[^a-z])|millis/.test(sample.text) ? sample.value : sample.value * 1000;
}

function replicaOf(target: TargetFigures, name: string): ReplicaView {
  let replica = target.replicas.find((r) => r.name === name);
  if (!replica) {
    replica = { name, up: null, hitRatio: null, kvUsage: null, gpuUtil: null, running: null, waiting: null, probeRequests: null };
    target.replicas.push(replica);
  }
  return replica;
}

/** Groups samples by target and fills each target's figures; several GPUs of one replica are averaged. */
export function targetsFromSamples(samples: Sample[], targetLabel: string): TargetFigures[] {
  const targets = new Map<string, TargetFigures>();
  const gpuReadings = new Map<string, number[]>();
  const outcomes = new Map<string, Map<string, number>>();
  for (const sample of samples) {
    const name = sample.labels[targetLabel];
    const figure = name === undefined ? null : classify(sample);
    if (name === undefined || figure === null) {
      continue;
    }
    let target = targets.get(name);
    if (!target) {
      target = emptyTarget(name);
      targets.set(name, target);
    }
    switch (figure.kind) {
      case 'quantile':
        target.ttft[figure.quantile] = toMs(sample);
        break;
      case 'cacheSpeedup':
        target.cacheSpeedup = sample.value;
        break;
      case 'turn': {
        const meanMs = toMs(sample);
        const existing = target.byTurn.find((t) => t.turn === figure.turn);
        if (existing) {
          existing.meanMs = meanMs;
        } else {
          target.byTurn.push({ turn: figure.turn, meanMs });
        }
        break;
      }
      case 'firstTurn':
        target.firstTurnMs = toMs(sample);
        break;
      case 'laterTurns':
        target.laterTurnsMs = toMs(sample);
        break;
      case 'replica': {
        const replica = replicaOf(target, figure.replica);
        if (figure.field === 'gpuUtil') {
          // DCGM reports percent; kvcanary's own gauge is 0-1.
          const ratio = /dcgm/.test(sample.text) || sample.value > 1 ? sample.value / 100 : sample.value;
          const key = `${name}\u0000${figure.replica}`;
          const readings = gpuReadings.get(key) ?? [];
          readings.push(ratio);
          gpuReadings.set(key, readings);
          replica.gpuUtil = readings.reduce((a, b) => a + b, 0) / readings.length;
        } else if (figure.field === 'up') {
          replica.up = sample.value > 0;
        } else {
          replica[figure.field] = sample.value;
        }
        break;
      }
      case 'requests': {
        const byOutcome = outcomes.get(name) ?? new Map<string, number>();
        const key = figure.outcome ?? '';
        byOutcome.set(key, (byOutcome.get(key) ?? 0) + sample.value);
        outcomes.set(name, byOutcome);
        break;
      }
      case 'targetUp':
        target.up = sample.value > 0;
        break;
      case 'lastSuccess':
        target.lastSuccessMs = sample.value * 1000;
        break;
    }
  }
  for (const [name, byOutcome] of outcomes) {
    const target = targets.get(name);
    if (!target) {
      continue;
    }
    const total = [...byOutcome.values()].reduce((a, b) => a + b, 0);
    const labelled = [...byOutcome.keys()].some((k) => k !== '');
    target.requests = Math.round(total);
    target.failedRequests = labelled
      ? Math.round([...byOutcome].filter(([k]) => k !== 'success' && k !== '').reduce((a, [, v]) => a + v, 0))
      : null;
  }
  for (const target of targets.values()) {
    target.byTurn.sort((a, b) => compareTurns(a.turn, b.turn));
    fillTurnMeans(target);
    target.replicas.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
  }
  return [...targets.values()];
}

/**
 * Fills first- and later-turn means when no series states them: turn 1's mean is the first-turn mean, and since
 * the exporter defines the speedup as first-turn mean / later-turns mean, later = first / speedup exactly
 * (an unweighted average of the turn means would not be).
 */
function fillTurnMeans(target: TargetFigures): void {
  if (target.firstTurnMs === null) {
    target.firstTurnMs = target.byTurn.find((t) => t.turn === '1')?.meanMs ?? null;
  }
  if (target.laterTurnsMs === null && target.firstTurnMs !== null && target.cacheSpeedup !== null && target.cacheSpeedup > 0) {
    target.laterTurnsMs = target.firstTurnMs / target.cacheSpeedup;
  }
}

/** Grafana data frames -> the comparison view model. */
export function framesToViewModel({ series, errors = [], options }: FramesInput): ViewModel {
  const targets = targetsFromSamples(samplesFromFrames(series), options.targetLabel);
  return buildViewModel({
    targets,
    errors: errors.map((e) => (e.refId ? `Query ${e.refId}: ` : '') + (e.message ?? 'query failed')),
    options,
    noDataHint: `No data: no kvcanary series with a "${options.targetLabel}" label. Check the queries (see the panel's README) and the target label option.`,
  });
}
