import { describe, expect, it } from '@jest/globals';
import { judgeSoak, type Checkpoint } from './soak-verdict.js';

const MB = 1024 * 1024;
const point = (i: number, heapMb: number, rssMb: number, series = 400): Checkpoint => ({ conversations: i * 1000, seconds: i * 10, heapBytes: heapMb * MB, rssBytes: rssMb * MB, series });

describe('soak verdict', () => {
  it('passes flat memory, bounded series and exact counts', () => {
    const checkpoints = [point(1, 20, 90), point(2, 40, 120), point(3, 41, 121), point(4, 40.5, 123), point(5, 41.8, 125)];
    const verdict = judgeSoak(checkpoints, 2, { routed: 1000, counted: 1000 });
    expect(verdict).toMatchObject({ passed: true, failures: [], seriesWarmUpMax: 400, seriesAfterMax: 400 });
    expect(verdict.heapDrift).toBeCloseTo(0.045);
    expect(verdict.rssDrift).toBeCloseTo(5 / 120);
  });

  it('fails memory that keeps growing after the warm-up, series that grow, and counts that differ', () => {
    const checkpoints = [point(1, 40, 120), point(2, 43, 121, 402), point(3, 46, 130, 500)];
    expect(judgeSoak(checkpoints, 1, { routed: 1000, counted: 999 }).failures).toEqual([
      'heap moved 15.0 % after the warm-up (bar ±5.0 %)',
      'RSS moved 8.3 % after the warm-up (bar ±5.0 %)',
      'series grew from at most 400 to 500',
      'the routers routed 1000 requests, the exporter counted 999',
    ]);
  });

  it('a shrinking heap is drift too: the reading must be stable, not just below the bar', () => {
    expect(judgeSoak([point(1, 40, 100), point(2, 30, 100)], 1, { routed: 1, counted: 1 }).failures).toEqual(['heap moved -25.0 % after the warm-up (bar ±5.0 %)']);
  });
});
