/**
 * What the harness reads back from the exporter's /metrics: the values of one sample name, found by
 * line prefix. Prometheus text and OpenMetrics write samples alike: `name{labels} value [timestamp]`,
 * OpenMetrics optionally followed by ` # {exemplar labels} value`.
 */

/** Prometheus 2.x's scrape Accept header (prometheus/scrape/scrape.go, scrapeAcceptHeader): OpenMetrics preferred. */
export const PROMETHEUS_ACCEPT = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

/** Values of every sample named exactly `sample` (e.g. the `_count` sample of the contract's `exporterMetrics.ttft`). */
export function sampleValues(body: string, sample: string): number[] {
  const values: number[] = [];
  for (const raw of body.split('\n')) {
    if (!raw.startsWith(sample)) continue;
    const next = raw[sample.length];
    if (next !== '{' && next !== ' ') continue;
    const exemplar = raw.indexOf(' # ');
    const line = exemplar < 0 ? raw : raw.slice(0, exemplar);
    const rest = next === '{' ? line.slice(line.lastIndexOf('}') + 1) : line.slice(sample.length);
    values.push(Number(rest.trim().split(' ')[0]));
  }
  return values;
}
