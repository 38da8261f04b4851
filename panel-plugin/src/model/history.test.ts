import { defaultRuleConfig } from '@kvcanary/contract';
import type { HistoryPoint, HistoryResponse } from '@kvcanary/contract/schemas';
import { historyToTrends, parseHistory } from './history';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 11, 1, 12, 0);

/** A point a minute from T0, healthy unless overridden. */
function point(minute: number, over: Partial<HistoryPoint> = {}): HistoryPoint {
  return { at: T0 + minute * MINUTE, requests: 400, p50Ms: 90, p95Ms: 270, p99Ms: 670, cacheSpeedup: 3.8, errorRatio: 0, ...over };
}

function response(points: HistoryPoint[]): HistoryResponse {
  return { generatedAt: new Date(T0).toISOString(), intervalSeconds: 60, maxPoints: 1440, windowSeconds: 600, targets: [{ target: 'llm-d', points }] };
}

const rules = defaultRuleConfig;
const chart = (points: HistoryPoint[], id: string) => historyToTrends({ response: response(points), rules }).charts.find((c) => c.id === id);

describe('historyToTrends', () => {
  it('draws P50/P95/P99, speedup and error ratio per target, broken where a minute had no figure', () => {
    const model = historyToTrends({ response: response([point(0), point(1, { p95Ms: null }), point(2)]), rules });
    expect(model.charts.map((c) => c.id)).toEqual(['ttft', 'speedup', 'errors']);
    const p95 = model.charts[0]?.lines.find((l) => l.figure === 'p95');
    expect(p95?.segments).toEqual([[{ at: T0, value: 270 }], [{ at: T0 + 2 * MINUTE, value: 270 }]]);
    expect(model.charts[0]?.lines.map((l) => l.figure)).toEqual(['p50', 'p95', 'p99']);
    expect([model.start, model.end]).toEqual([T0, T0 + 2 * MINUTE]);
  });

  it("marks the rules' thresholds from the contract rule config", () => {
    expect(chart([point(0)], 'ttft')?.thresholds).toEqual([
      { value: 1000, label: 'SLO: 99% within 1 s' },
      { value: 250, label: 'P95 regression floor 0.25 s' },
    ]);
    expect(chart([point(0)], 'speedup')?.thresholds).toEqual([{ value: 2, label: 'speedup alert below 2×' }]);
    expect(chart([point(0)], 'errors')?.thresholds).toEqual([{ value: 5, label: 'probe-failing alert above 5%' }]);
  });

  it('shades where the speedup stayed under 2x, as firing once it held for the 15m hold', () => {
    const points = [
      ...Array.from({ length: 10 }, (_, m) => point(m)),
      ...Array.from({ length: 20 }, (_, m) => point(10 + m, { cacheSpeedup: 1.6 })),
      ...Array.from({ length: 5 }, (_, m) => point(30 + m, { cacheSpeedup: 1.5 + (m % 2) })),
    ];
    expect(chart(points, 'speedup')?.spans).toEqual([
      { target: 'llm-d', alert: 'KVCanaryCacheSpeedupCollapsed', from: T0 + 10 * MINUTE, to: T0 + 30 * MINUTE, firing: true },
      { target: 'llm-d', alert: 'KVCanaryCacheSpeedupCollapsed', from: T0 + 32 * MINUTE, to: T0 + 32 * MINUTE, firing: false },
      { target: 'llm-d', alert: 'KVCanaryCacheSpeedupCollapsed', from: T0 + 34 * MINUTE, to: T0 + 34 * MINUTE, firing: false },
    ]);
  });

  it('does not shade minutes whose window held fewer probes than minProbeRequests', () => {
    const sparse = Array.from({ length: 20 }, (_, m) => point(m, { cacheSpeedup: 1.2, requests: rules.minProbeRequests - 1 }));
    expect(chart(sparse, 'speedup')?.spans).toEqual([]);
  });

  it('marks a P95 regression only against the level a day earlier, over the 0.25 s floor', () => {
    const day = 24 * 60;
    const points = [
      ...Array.from({ length: 60 }, (_, m) => point(m)),
      ...Array.from({ length: 20 }, (_, m) => point(day + 60 + m, { p95Ms: 745 })),
    ];
    // 745 ms > 1.5 x the 270 ms of the hour ending a day earlier, for 19 minutes: longer than the 15m hold.
    expect(chart(points, 'ttft')?.spans).toEqual([
      { target: 'llm-d', alert: 'KVCanaryTTFTP95Regression', from: T0 + (day + 60) * MINUTE, to: T0 + (day + 79) * MINUTE, firing: true },
    ]);
    // Without a day of history there is nothing to regress from.
    expect(chart(points.slice(60), 'ttft')?.spans).toEqual([]);
  });

  it('says why there is nothing to draw, and refuses a body that is not a history', () => {
    expect(historyToTrends({ response: null, rules }).message).toBe('Loading the history…');
    expect(historyToTrends({ response: response([]), rules }).message).toBe('No history yet: the exporter takes a point every 60 s.');
    expect(() => parseHistory({ targets: 'x' }, './api/v1/history')).toThrow(/^\.\/api\/v1\/history does not match the history schema: /);
  });
});
