/**
 * test/support/grafana-backend.ts against Grafana's own golden files (test/fixtures/grafana-promlib/SOURCES.md):
 * the frames the browser test hands to Grafana's frontend code are the ones Grafana's Go backend writes.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backendResponse, displayName, goDuration, readPrometheusResult, type PrometheusAnswer } from './support/grafana-backend.js';

const fixtures = fileURLToPath(new URL('./fixtures/grafana-promlib/', import.meta.url));
const readJson = <T>(file: string): T => JSON.parse(readFileSync(join(fixtures, file), 'utf8')) as T;
/** A golden file: Grafana's rendering of the frames as `//` comments, then the JSON. */
const readGolden = (file: string): unknown =>
  JSON.parse(
    readFileSync(join(fixtures, file), 'utf8')
      .split('\n')
      .filter((line) => !line.startsWith('//'))
      .join('\n'),
  );

describe("Grafana's Prometheus backend, as the browser test writes it", () => {
  it.each([
    ['an instant vector, with +Inf, -Inf and NaN as entities', 'prom-vector'],
    ['an empty vector with warnings', 'prom-warnings-no-data'],
    ['an empty vector with infos', 'prom-infos-no-data'],
  ])('converts %s exactly as pkg/promlib/converter does', (_, name) => {
    expect(readPrometheusResult(readJson<PrometheusAnswer>(`${name}.json`))).toEqual(readGolden(`${name}-frame.jsonc`));
  });

  it('adds the query metadata exactly as pkg/promlib/querydata does (interval, display name, field name, executed query)', () => {
    const query = readJson<{ Expr: string; Step: number }>('range_missing.query.json');
    const sent = backendResponse({ expr: query.Expr, legendFormat: '', stepMs: query.Step * 1000 }, readJson('range_missing.result.json'), {
      calculatedMinStep: true,
    });
    expect(sent).toEqual(readGolden('range_missing.result.golden.jsonc'));
  });

  it('sends an empty frame carrying the executed query when there is no result, without calculatedMinStep before 12.1', () => {
    const answer: PrometheusAnswer = { status: 'success', data: { resultType: 'vector', result: [] } };
    expect(backendResponse({ expr: 'up{job="none"}', legendFormat: '{{job}}', stepMs: 15_000 }, answer, { calculatedMinStep: false })).toEqual({
      status: 200,
      frames: [{ schema: { meta: { typeVersion: [0, 0], executedQueryString: 'Expr: up{job="none"}\nStep: 15s' }, fields: [] }, data: { values: [] } }],
    });
  });

  it('fills the legend format from the labels; __auto and empty legends as Grafana names them', () => {
    const labels = { __name__: 'kvcanary_ttft_seconds', target: 'vllm', turn: '2' };
    expect(displayName({ expr: 'e', legendFormat: '{{target}} turn {{ turn }} {{missing}}' }, labels)).toBe('vllm turn 2 ');
    expect(displayName({ expr: 'e', legendFormat: '__auto' }, labels)).toBe('');
    expect(displayName({ expr: 'e', legendFormat: '' }, labels)).toBe('kvcanary_ttft_seconds{target="vllm", turn="2"}');
    expect(displayName({ expr: 'sum(x)', legendFormat: '' }, {})).toBe('sum(x)');
  });

  it("writes steps as Go's Duration.String does", () => {
    expect([500, 1000, 15_000, 90_000, 3_600_000].map(goDuration)).toEqual(['500ms', '1s', '15s', '1m30s', '1h0m0s']);
  });
});
