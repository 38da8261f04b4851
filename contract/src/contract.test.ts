import { describe, expect, it } from '@jest/globals';
import { FIGURE_IDS, panelFigures } from './figures.js';
import { compareTurnLabels, replicaLabelValue, turnLabel } from './labels.js';
import { exporterMetrics, probeMetrics, sampleNames } from './metrics.js';
import { comparedFigures, overBaseline, recorded } from './recorded.js';

const metricNames = [...Object.values(exporterMetrics), ...Object.values(probeMetrics)].map((d) => d.name);
const recordedNames = [...Object.values(recorded), ...comparedFigures.map(overBaseline)].map((r) => r.name);

describe('the contract', () => {
  it('names every metric once, with the kvcanary_ prefix and _total on counters only', () => {
    expect(new Set(metricNames).size).toBe(metricNames.length);
    for (const d of [...Object.values(exporterMetrics), ...Object.values(probeMetrics)]) {
      expect(d.name).toMatch(/^kvcanary_[a-z_]+$/);
      expect(d.name.endsWith('_total')).toBe(d.type === 'counter');
      expect(d.buckets !== undefined).toBe(d.type === 'histogram');
    }
  });

  it('puts the vantage label on every series, so two vantages on one target never collide', () => {
    for (const d of [...Object.values(exporterMetrics), ...Object.values(probeMetrics)]) expect(d.labels).toContain('vantage');
  });

  it('gives histograms strictly ascending buckets', () => {
    for (const d of Object.values(exporterMetrics)) {
      const b = d.buckets ?? [];
      for (let i = 1; i < b.length; i++) expect(b[i]).toBeGreaterThan(b[i - 1] as number);
    }
  });

  it('records series under unique level:metric:operation names', () => {
    expect(new Set(recordedNames).size).toBe(recordedNames.length);
    for (const name of recordedNames) expect(name).toMatch(/^[a-z_]+:kvcanary_[a-z_]+:[a-z0-9_]+$/);
  });

  it('places every panel figure by a unique refId and only by series the contract defines', () => {
    const refIds = FIGURE_IDS.map((id) => panelFigures[id].refId);
    expect(new Set(refIds).size).toBe(refIds.length);
    const known = new Set([...Object.values(exporterMetrics).flatMap(sampleNames), ...recordedNames]);
    for (const id of FIGURE_IDS) for (const s of panelFigures[id].sources) expect(known).toContain(s.series);
  });

  it('caps turns into one label value and orders them numerically', () => {
    expect([1, 9, 10, 42].map((t) => turnLabel(t, 10))).toEqual(['1', '9', '10+', '10+']);
    expect(['10+', '2', '1', '9'].sort(compareTurnLabels)).toEqual(['1', '2', '9', '10+']);
  });

  it('cleans replica names one way, whatever named them', () => {
    expect(replicaLabelValue(' vllm-0 ')).toBe('vllm-0');
    expect(replicaLabelValue('pod/ns name')).toBe('pod_ns_name');
    expect(replicaLabelValue('http://user:secret@host')).toBe('http:__user:secret_host');
    expect(replicaLabelValue('x'.repeat(300))).toHaveLength(128);
    expect(replicaLabelValue('   ')).toBeNull();
  });
});
