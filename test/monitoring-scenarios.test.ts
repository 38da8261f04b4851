/**
 * The promtool scenarios are TypeScript specifications (monitoring/src/scenarios) rendered into
 * monitoring/prometheus/tests. These tests pin what the input builders write in promtool's expanding
 * notation, and that the scenario sources spell no kvcanary name, so a rename in the contract reaches
 * every scenario through `npm run generate`.
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_TURN_CAP, SUCCESS, exporterMetrics as m, histogramSeries, recorded, turnLabel } from '@kvcanary/contract';
import { scenarioFiles } from '../monitoring/src/scenarios/index.js';
import { figure } from '../monitoring/src/scenarios/scenario.js';
import { counter, during, gauge, histogram, hold, missing, observe, restart, rise, samples } from '../monitoring/src/scenarios/series.js';

const monitoringSrc = join(dirname(fileURLToPath(import.meta.url)), '..', 'monitoring', 'src');
const firstTurn = { target: 't', turn: turnLabel(1, DEFAULT_TURN_CAP) };
const bucket = (le: string): string => `${histogramSeries(m.ttft, 'bucket')}{target="t",turn="1",le="${le}"}`;

describe('scenario input builders', () => {
  it('count every observation of a histogram in each bucket at or above it, in _sum and in _count', () => {
    const input = histogram(m.ttft, firstTurn, { buckets: [0.1, 1, '+Inf'], sum: true, count: true }, during(2, observe(3, 0.05), observe(1, 0.5)));
    expect(input).toEqual([
      { series: bucket('0.1'), values: '0+3x2' },
      { series: bucket('1'), values: '0+4x2' },
      { series: bucket('+Inf'), values: '0+4x2' },
      { series: `${histogramSeries(m.ttft, 'sum')}{target="t",turn="1"}`, values: '0+0.65x2' },
      { series: `${histogramSeries(m.ttft, 'count')}{target="t",turn="1"}`, values: '0+4x2' },
    ]);
  });

  it('let a bucket that stops counting go flat, and write one that counts through every phase as one stretch', () => {
    const input = histogram(m.ttft, firstTurn, { buckets: [0.1, '+Inf'] }, during(3, observe(10, 0.05)), during(2, observe(10, 0.75)));
    expect(input).toEqual([
      { series: bucket('0.1'), values: '0+10x3 30+0x2' },
      { series: bucket('+Inf'), values: '0+10x5' },
    ]);
  });

  it('start every counter again from zero after a restart', () => {
    const input = histogram(m.ttft, firstTurn, { count: true }, during(3, observe(2, 0.1)), restart, during(3, observe(2, 0.1)));
    expect(input.map((s) => s.values)).toEqual(['0+2x3 0+2x3']);
    expect(counter(m.requests, { target: 't', outcome: SUCCESS }, rise(5, 2), missing(3), restart, rise(5, 2))).toEqual({
      series: `${m.requests.name}{target="t",outcome="${SUCCESS}"}`,
      values: '0+5x2 _x3 0+5x2',
    });
  });

  it('start a later stretch on the value the previous one ended with, without binary noise', () => {
    expect(counter(m.requests, { target: 't' }, rise(0.64, 20), rise(2, 5)).values).toBe('0+0.64x20 12.8+2x5');
  });

  it('write gauges as held values, single samples and missed scrapes, with the scrape target labels', () => {
    expect(gauge(m.targetUp, { job: 'kvcanary', instance: 'a', target: 't' }, hold(1, 2), missing(3), samples(0.5, 0.25))).toEqual({
      series: `${m.targetUp.name}{job="kvcanary",instance="a",target="t"}`,
      values: '1x2 _x3 0.5 0.25',
    });
  });

  it('take names from the definition they are given, so a renamed metric renames its inputs', () => {
    const renamed = { ...m.ttft, name: 'kvcanary_time_to_first_token_seconds' };
    expect(histogram(renamed, firstTurn, { count: true }, during(1, observe(1, 0.1)))[0]?.series).toBe(
      'kvcanary_time_to_first_token_seconds_count{target="t",turn="1"}',
    );
  });

  it('refuse a bucket bound the exporter does not have, and a metric that is not a histogram', () => {
    expect(() => histogram(m.ttft, firstTurn, { buckets: [0.7] })).toThrow(`${m.ttft.name} has no bucket le="0.7" (its bounds: 0.01, 0.02,`);
    expect(() => histogram(m.requests, { target: 't' }, { count: true })).toThrow(`${m.requests.name} is a counter, not a histogram`);
  });

  it('refuse expected samples of a recorded series with other labels than the contract gives it', () => {
    expect(() => figure(recorded.ttftMeanByTurn, '15m', { labels: { target: 't' }, value: 1 })).toThrow(
      `samples of ${recorded.ttftMeanByTurn.name} carry the labels target, turn, not target`,
    );
  });
});

describe('scenario files', () => {
  it('are each written from the file of their name in monitoring/src/scenarios, once', () => {
    const names = scenarioFiles.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect({ name, source: existsSync(join(monitoringSrc, 'scenarios', `${name}.ts`)) }).toEqual({ name, source: true });
  });

  it('spell no kvcanary series name in monitoring/src: every one comes from the contract', () => {
    const sources = readdirSync(monitoringSrc, { recursive: true, encoding: 'utf8' }).filter((path) => path.endsWith('.ts'));
    expect(sources).toContain(join('scenarios', 'cache-speedup.ts'));
    for (const path of sources) {
      const literal = /kvcanary_[a-z_]+/.exec(readFileSync(join(monitoringSrc, path), 'utf8'))?.[0] ?? null;
      expect({ path, literal }).toEqual({ path, literal: null });
    }
  });
});
