/**
 * What Grafana's Prometheus backend sends the browser for a query (the `results` of `/api/ds/query`), built
 * from Prometheus's own answer. Grafana does this in Go, which cannot run here; this follows
 * grafana/grafana's two steps, and test/grafana-backend.test.ts proves it against Grafana's golden files
 * (test/fixtures/grafana-promlib/SOURCES.md):
 * - `pkg/promlib/converter/prom.go` `ReadPrometheusStyleResult`: one frame per series (Time, Value with the
 *   series' labels), vectors as `numeric-multi` and matrices as `timeseries-multi` (the dataplane shapes,
 *   Grafana's default since 10.0 and its only ones since grafana/grafana#92218), warnings and infos as notices;
 * - `pkg/promlib/querydata/response.go` `parseResponse` / `addMetadataToMultiFrame`: an empty frame when there
 *   is no result, the step as the Time field's interval, the legend format as `displayNameFromDS`, the value
 *   field named after `__name__`, and `executedQueryString` on the first frame.
 * Vectors and matrices only: the dashboards' queries return nothing else.
 */

/** Prometheus's HTTP API answer: https://prometheus.io/docs/prometheus/latest/querying/api/#format-overview */
export interface PrometheusAnswer {
  status: 'success' | 'error';
  data?: { resultType: string; result: PrometheusSeries[] };
  warnings?: string[];
  infos?: string[];
  errorType?: string;
  error?: string;
}

export interface PrometheusSeries {
  metric: Record<string, string>;
  /** An instant vector's sample: [unix seconds, value as text]. */
  value?: [number, string];
  /** A range vector's samples. */
  values?: [number, string][];
}

/** Non-finite numbers travel as null with their positions here (grafana-plugin-sdk-go, data/frame_json.go). */
export interface FieldEntities {
  NaN?: number[];
  Inf?: number[];
  NegInf?: number[];
}

export interface FieldJSON {
  name: string;
  type: 'time' | 'number';
  typeInfo: { frame: 'time.Time' | 'float64' };
  labels?: Record<string, string>;
  config?: { interval?: number; displayNameFromDS?: string };
}

export interface NoticeJSON {
  /** Absent for infos: Go's zero severity is omitted. */
  severity?: 'warning';
  text: string;
}

export interface FrameMetaJSON {
  type?: 'numeric-multi' | 'timeseries-multi';
  typeVersion: [number, number];
  custom?: Record<string, unknown>;
  notices?: NoticeJSON[];
  executedQueryString?: string;
}

/** grafana-plugin-sdk-go's DataFrameJSON, what @grafana/data's `dataFrameFromJSON` reads. */
export interface DataFrameJSON {
  schema: { name?: string; meta: FrameMetaJSON; fields: FieldJSON[] };
  data: { values: (number | null)[][]; entities?: (FieldEntities | null)[] };
}

export interface DataResponseJSON {
  status: number;
  frames: DataFrameJSON[];
}

/** One query as the backend sees it, its dashboard variables already replaced by the frontend. */
export interface BackendQuery {
  expr: string;
  legendFormat: string;
  stepMs: number;
}

export interface BackendLine {
  /**
   * Grafana 12.1 and later put the step on the first frame as `custom.calculatedMinStep`
   * (grafana/grafana#107715, for incremental range queries); 10.4 does not.
   */
  calculatedMinStep: boolean;
}

/** Special values as Prometheus writes them: prometheus/prometheus, promql `FormatFloat` ("+Inf", "-Inf", "NaN"). */
function parseSample(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  const value = Number(text);
  if (text.trim() === '' || Number.isNaN(value)) throw new Error(`not a Prometheus sample value: ${JSON.stringify(text)}`);
  return value;
}

/** prom.go `timeFromFloat`: milliseconds, truncated as Go's int64 conversion does. */
const timeMs = (seconds: number): number => Math.trunc(seconds * 1000);

function withEntities(values: number[]): { values: (number | null)[]; entities: FieldEntities | null } {
  const entities: FieldEntities = {};
  const add = (key: keyof FieldEntities, i: number): void => void (entities[key] = [...(entities[key] ?? []), i]);
  const sent = values.map((v, i) => {
    if (Number.isFinite(v)) return v;
    add(Number.isNaN(v) ? 'NaN' : v > 0 ? 'Inf' : 'NegInf', i);
    return null;
  });
  return { values: sent, entities: Object.keys(entities).length > 0 ? entities : null };
}

function seriesFrame(series: PrometheusSeries, resultType: 'vector' | 'matrix'): DataFrameJSON {
  const samples = resultType === 'vector' ? (series.value ? [series.value] : []) : (series.values ?? []);
  const value = withEntities(samples.map(([, v]) => parseSample(v)));
  const labels = { ...series.metric };
  const frame: DataFrameJSON = {
    schema: {
      meta: { type: resultType === 'vector' ? 'numeric-multi' : 'timeseries-multi', typeVersion: [0, 1], custom: { resultType } },
      fields: [
        { name: 'Time', type: 'time', typeInfo: { frame: 'time.Time' } },
        { name: 'Value', type: 'number', typeInfo: { frame: 'float64' }, ...(Object.keys(labels).length > 0 ? { labels } : {}) },
      ],
    },
    data: { values: [samples.map(([t]) => timeMs(t)), value.values] },
  };
  if (value.entities) frame.data.entities = [null, value.entities];
  return frame;
}

/** prom.go `ReadPrometheusStyleResult` for vectors and matrices: the frames and notices, before any query metadata. */
export function readPrometheusResult(answer: PrometheusAnswer): DataResponseJSON {
  if (answer.status !== 'success' || !answer.data) {
    throw new Error(`Prometheus answered ${answer.errorType ?? answer.status}: ${answer.error ?? 'no data'}`);
  }
  const { resultType, result } = answer.data;
  if (resultType !== 'vector' && resultType !== 'matrix') throw new Error(`result type ${resultType} is not converted here`);
  const frames = result.map((series) => seriesFrame(series, resultType));
  const notices: NoticeJSON[] = [
    ...(answer.warnings ?? []).map((text): NoticeJSON => ({ severity: 'warning', text })),
    ...(answer.infos ?? []).map((text): NoticeJSON => ({ text })),
  ];
  if (notices.length > 0) {
    if (frames.length === 0) frames.push({ schema: { name: 'Warnings', meta: { typeVersion: [0, 0] }, fields: [] }, data: { values: [] } });
    for (const frame of frames) frame.schema.meta.notices = notices;
  }
  return { status: 200, frames };
}

/** Go's `time.Duration.String` for whole milliseconds: "15s", "1m30s", "1h0m0s", "500ms". */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = `${(ms % 60_000) / 1000}s`;
  if (hours > 0) return `${hours}h${minutes}m${seconds}`;
  return minutes > 0 ? `${minutes}m${seconds}` : seconds;
}

/** Go's %q for the label values Prometheus allows (printable UTF-8): JSON's quoting is the same there. */
const quote = (value: string): string => JSON.stringify(value);

/** response.go `metricNameFromLabels`: `name{a="1", b="2"}`, labels sorted. */
function metricNameFromLabels(labels: Record<string, string>): string {
  const name = labels.__name__;
  const pairs = Object.entries(labels)
    .filter(([key]) => key !== '__name__')
    .map(([key, value]) => `${key}=${quote(value)}`)
    .sort();
  if (pairs.length === 0) return name ?? '{}';
  return `${name ?? ''}{${pairs.join(', ')}}`;
}

/** request.go `legendFormatAuto`. */
const LEGEND_AUTO = '__auto';

/** response.go `getName`: the legend format with `{{label}}` filled in, or the series as Prometheus writes it. */
export function displayName(query: Pick<BackendQuery, 'expr' | 'legendFormat'>, labels: Record<string, string>): string {
  let legend = metricNameFromLabels(labels);
  if (query.legendFormat === LEGEND_AUTO) {
    if (Object.keys(labels).length > 0) legend = '';
  } else if (query.legendFormat !== '') {
    legend = query.legendFormat.replace(/\{\{\s*(.+?)\s*\}\}/g, (_, label: string) => labels[label.trim()] ?? '');
  }
  return legend === '{}' ? query.expr : legend;
}

/** response.go `parseResponse` and `addMetadataToMultiFrame`: what the browser receives for one query. */
export function backendResponse(query: BackendQuery, answer: PrometheusAnswer, line: BackendLine): DataResponseJSON {
  const response = readPrometheusResult(answer);
  if (response.frames.length === 0) response.frames.push({ schema: { meta: { typeVersion: [0, 0] }, fields: [] }, data: { values: [] } });
  response.frames.forEach((frame, i) => {
    const [time, value] = frame.schema.fields;
    if (time && value) {
      time.config = { interval: query.stepMs };
      const name = displayName(query, value.labels ?? {});
      if (name !== '') value.config = { displayNameFromDS: name };
      if (value.labels?.__name__ !== undefined) value.name = value.labels.__name__;
    }
    if (i === 0) {
      frame.schema.meta.executedQueryString = `Expr: ${query.expr}\nStep: ${goDuration(query.stepMs)}`;
      if (line.calculatedMinStep) frame.schema.meta.custom = { ...frame.schema.meta.custom, calculatedMinStep: query.stepMs };
    }
  });
  return response;
}
