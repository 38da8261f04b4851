import { DataFrame, Field, FieldType, TIME_SERIES_VALUE_FIELD_NAME } from '@grafana/data';
import { contractSeriesNames } from '@kvcanary/contract';

/** One number of a query result, with the only two things that may say which figure it is. */
export interface Sample {
  /** The series name; null for results that have none (`histogram_quantile(...)`, `sum by (...)`). */
  name: string | null;
  /** The refId of the query that returned it; '' when the frame carries none. */
  refId: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

/** The label holding a series' name: prometheus/prometheus, model/labels/labels_common.go (MetricName). */
const NAME_LABEL = '__name__';

/**
 * Table format names the value column `Value #<refId>` when a panel has several queries (and a merge
 * of tables keeps one such column per query): grafana/grafana,
 * packages/grafana-prometheus/src/result_transformer.ts (getValueText).
 */
const VALUE_COLUMN_PREFIX = 'Value #';

function lastFinite(field: Field): number | null {
  for (let i = field.values.length - 1; i >= 0; i--) {
    const v: unknown = field.values[i];
    if (typeof v === 'number' && Number.isFinite(v)) {
      return v;
    }
  }
  return null;
}

/**
 * The series name of a time-series value field: its `__name__` label, or the field's own name when
 * Grafana's dataplane frames put the metric name there (grafana/grafana,
 * pkg/promlib/querydata/response.go, addMetadataToMultiFrame) — taken only when it is a series the
 * contract knows, because otherwise the field name is "Value" or a display name.
 */
function seriesName(field: Field): string | null {
  return field.labels?.[NAME_LABEL] ?? (contractSeriesNames.has(field.name) ? field.name : null);
}

function refIdOf(field: Field, frame: DataFrame): string {
  return field.name.startsWith(VALUE_COLUMN_PREFIX) ? field.name.slice(VALUE_COLUMN_PREFIX.length) : (frame.refId ?? '');
}

function withoutName(labels: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter(([key]) => key !== NAME_LABEL));
}

function isValueColumn(field: Field): boolean {
  const named = field.name === TIME_SERIES_VALUE_FIELD_NAME || field.name.startsWith(VALUE_COLUMN_PREFIX);
  return field.type === FieldType.number && named;
}

/**
 * A table (one row per series, a column per label, `Value` or `Value #<refId>` columns): one sample per
 * row and value column. Every other column but time is a label (`le` comes as a number column).
 */
function tableSamples(frame: DataFrame): Sample[] {
  const values = frame.fields.filter(isValueColumn);
  const labelColumns = frame.fields.filter((f) => f.type !== FieldType.time && !isValueColumn(f));
  const samples: Sample[] = [];
  for (let row = 0; row < frame.length; row++) {
    const labels: Record<string, string> = {};
    for (const column of labelColumns) {
      const label: unknown = column.values[row];
      if (label !== null && label !== undefined && label !== '') {
        labels[column.name] = String(label);
      }
    }
    for (const field of values) {
      const value: unknown = field.values[row];
      if (typeof value === 'number' && Number.isFinite(value)) {
        samples.push({ name: labels[NAME_LABEL] ?? null, refId: refIdOf(field, frame), labels: withoutName(labels), value });
      }
    }
  }
  return samples;
}

/**
 * Flattens the frames Grafana's Prometheus data source produces into samples:
 * - time series (range or instant, one frame per series, labels on the value field): its latest value;
 * - tables (instant vectors in table format, or several queries joined): one sample per row and value column.
 * Legends, frame names and display names are not read: they never say what a number is.
 */
export function samplesFromFrames(frames: DataFrame[]): Sample[] {
  return frames.flatMap((frame) => {
    if (frame.fields.some((f) => f.type === FieldType.string)) {
      return tableSamples(frame);
    }
    return frame.fields
      .filter((f) => f.type === FieldType.number)
      .flatMap((field): Sample[] => {
        const value = lastFinite(field);
        const labels = withoutName(field.labels ?? {});
        return value === null ? [] : [{ name: seriesName(field), refId: refIdOf(field, frame), labels, value }];
      });
  });
}
