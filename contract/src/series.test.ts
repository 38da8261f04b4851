import { describe, expect, it } from '@jest/globals';
import { FIGURE_IDS, panelFigures } from './figures.js';
import { exporterMetrics } from './metrics.js';
import { overBaseline, recorded } from './recorded.js';
import { contractSeriesNames } from './series.js';

describe('contractSeriesNames', () => {
  it('holds every series a panel figure is read from', () => {
    for (const id of FIGURE_IDS) for (const s of panelFigures[id].sources) expect(contractSeriesNames).toContain(s.series);
  });

  it('names histograms by the samples Prometheus stores, not by the family name', () => {
    expect(contractSeriesNames).toContain('kvcanary_ttft_seconds_bucket');
    expect(contractSeriesNames).toContain('kvcanary_ttft_seconds_count');
    expect(contractSeriesNames).not.toContain(exporterMetrics.ttft.name);
  });

  it('holds the over-baseline ratios of the rules, and nothing that is not kvcanary', () => {
    expect(contractSeriesNames).toContain(overBaseline(recorded.ttftP95).name);
    expect(contractSeriesNames).not.toContain('DCGM_FI_DEV_GPU_UTIL');
    expect(contractSeriesNames).not.toContain('vllm:kv_cache_usage_perc');
  });
});
