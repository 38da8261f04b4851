import { DEFAULT_OPTIONS } from '../options';
import { improvement, improvementWithNoise, intervalsOverlap } from './compare';

const thresholds = { betterThreshold: 5, worseThreshold: 5 };

describe('improvement', () => {
  it('says latencies as percent faster or slower, relative to the baseline', () => {
    expect(improvement('latency', 745, 272, thresholds)).toEqual({ text: '63% faster', verdict: 'better' });
    expect(improvement('latency', 100, 150, thresholds)).toEqual({ text: '50% slower', verdict: 'worse' });
  });

  it('says ratios as a factor from 1.1× up, and as a percentage below', () => {
    expect(improvement('ratio', 1.79, 3.84, thresholds)).toEqual({ text: '2.1× better', verdict: 'better' });
    expect(improvement('ratio', 3.84, 1.79, thresholds)).toEqual({ text: '2.1× worse', verdict: 'worse' });
    expect(improvement('ratio', 2, 2.14, thresholds)).toEqual({ text: '7% better', verdict: 'better' });
  });

  it('colours only changes beyond the thresholds', () => {
    expect(improvement('latency', 100, 97, thresholds)).toEqual({ text: '3% faster', verdict: 'neutral' });
    expect(improvement('latency', 100, 97, { betterThreshold: 2, worseThreshold: 5 })?.verdict).toBe('better');
    expect(improvement('latency', 100, 104, { betterThreshold: 5, worseThreshold: 3 })?.verdict).toBe('worse');
    expect(improvement('latency', 100, 100.2, thresholds)).toEqual({ text: 'same', verdict: 'neutral' });
  });

  it('has nothing to say when a side is missing or zero', () => {
    expect(improvement('latency', null, 100, thresholds)).toBeNull();
    expect(improvement('ratio', 0, 2, thresholds)).toBeNull();
  });
});

describe('within noise', () => {
  it('intervals overlap when they share a value, touching ends included', () => {
    expect(intervalsOverlap([1, 3], [2, 4])).toBe(true);
    expect(intervalsOverlap([1, 2], [2, 4])).toBe(true);
    expect(intervalsOverlap([1, 5], [2, 3])).toBe(true);
    expect(intervalsOverlap([1, 2], [2.1, 4])).toBe(false);
    expect(intervalsOverlap(null, [1, 2])).toBe(false);
  });

  it('turns the verdict neutral when the intervals overlap, and keeps it otherwise', () => {
    expect(improvementWithNoise('latency', 745, 272, [701, 790], [250, 720], thresholds)).toEqual({
      text: '63% faster',
      verdict: 'neutral',
      withinNoise: true,
    });
    expect(improvementWithNoise('ratio', 1.79, 3.84, [1.66, 1.93], [3.51, 4.12], thresholds)).toEqual({
      text: '2.1× better',
      verdict: 'better',
    });
    expect(improvementWithNoise('latency', 100, 150, null, null, thresholds)).toEqual({ text: '50% slower', verdict: 'worse' });
    expect(improvementWithNoise('latency', null, 150, [90, 110], [100, 200], thresholds)).toBeNull();
  });
});

describe('options', () => {
  it('defaults: target label "target", first two targets, every section, ms, 5% thresholds', () => {
    expect(DEFAULT_OPTIONS).toEqual({
      targetLabel: 'target',
      baseline: '',
      candidate: '',
      showHeadline: true,
      showTurns: true,
      showFirstLater: true,
      showTtftSplit: true,
      showReplicas: true,
      showFreshness: true,
      latencyUnit: 'ms',
      decimals: undefined,
      betterThreshold: 5,
      worseThreshold: 5,
    });
  });
});
