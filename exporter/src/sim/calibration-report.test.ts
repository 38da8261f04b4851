import { describe, expect, it } from '@jest/globals';
import { PUBLISHED, compareToPublished, formatReport } from './calibration-report.js';
import type { CalibrationSummary } from './calibration.js';

const summary = (over: Partial<CalibrationSummary>): CalibrationSummary => ({
  requests: 110, firstTurnMeanMs: 350, laterTurnMeanMs: 200, speedup: 1.75, p50Ms: 120, p95Ms: 740, p99Ms: 840, kvHitRate: 0.66, meanTotalMs: 6000, wallMs: 200_000,
  ...over,
});

describe('calibration report', () => {
  const runs = [
    { policy: 'round-robin' as const, summary: summary({ p50Ms: 150, kvHitRate: 0.55 }) },
    { policy: 'round-robin' as const, summary: summary({ p50Ms: 100, kvHitRate: 0.57 }) },
    { policy: 'round-robin' as const, summary: summary({ p50Ms: 140, kvHitRate: 0.6 }) },
  ];
  const rows = compareToPublished(runs);

  it('takes the median over seeds and keeps the spread', () => {
    const p50 = rows.find((r) => r.policy === 'round-robin' && r.figure === 'P50');
    expect(p50).toMatchObject({ median: 140, min: 100, max: 150, published: PUBLISHED['round-robin']?.p50Ms, within: true });
  });

  it('judges figures within 20 % of the published value and hit rates within 10 points', () => {
    // P50 median 140 is +13.6 % of 123.22; KV hit median 57 % is 9 points under 66 %.
    expect(rows.filter((r) => !r.within)).toEqual([]);
    const worse = compareToPublished([{ policy: 'round-robin', summary: summary({ p50Ms: 148, kvHitRate: 0.559 }) }]);
    expect(worse.filter((r) => !r.within).map((r) => r.figure)).toEqual(['P50', 'KV hit']);
  });

  it('leaves out a router it has no runs for', () => {
    expect(new Set(rows.map((r) => r.policy))).toEqual(new Set(['round-robin']));
    expect(rows.map((r) => r.figure)).toEqual(['P50', 'P95', 'P99', 'first turn', 'later turns', 'speedup', 'KV hit']);
  });

  it('prints one aligned line per figure and a count of those within', () => {
    const lines = formatReport(rows, 3);
    expect(lines[0]).toMatch(/^router\s+figure\s+median of 3\s+min-max\s+published\s+off by\s+within$/);
    expect(lines[1]).toMatch(/^round-robin\s+P50 \(ms\)\s+140\.0\s+100\.0 - 150\.0\s+123\.2\s+\+13\.6 %\s+yes$/);
    expect(lines[7]).toMatch(/^round-robin\s+KV hit\s+57\.0 %\s+55\.0 % - 60\.0 %\s+66\.0 %\s+-9\.0 pts\s+yes$/);
    expect(lines.at(-1)).toBe('7 of 7 within (figures +-20 %, hit rates +-10 points)');
    const column = (lines[0] ?? '').indexOf('median');
    for (const line of lines.slice(1, 8)) expect([line[column - 1], /\S/.test(line[column] ?? '')]).toEqual([' ', true]);
  });
});
