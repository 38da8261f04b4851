import { describe, expect, it } from '@jest/globals';
import { summarize } from '../stats/summarize.js';
import { FakeClock } from '../test-support/fake-clock.js';
import { makeRecord } from '../test-support/records.js';
import { FigureHistory, HISTORY_INTERVAL_MS } from './figure-history.js';

/** The window summary of `target` holding these requests, as the exporter computes it. */
const summaryOf = (target: string, ttfts: number[], failed = 0) =>
  summarize(
    [
      ...ttfts.map((ttftMs, i) => makeRecord({ target, ttftMs, turn: (i % 10) + 1 })),
      ...Array.from({ length: failed }, () => makeRecord({ target, outcome: 'timeout' })),
    ],
    { target, model: 'm', elapsedSeconds: 60, conversationsPlanned: 0, turnCap: 10, turnsPerConversation: 10 },
  );

describe('FigureHistory', () => {
  it('keeps one point per target per minute, however often it is asked to record', async () => {
    const clock = new FakeClock();
    const history = new FigureHistory({ maxPoints: 10, clock });
    const summaries = [summaryOf('vllm', [100, 200, 300]), summaryOf('llm-d', [50, 60])];
    expect(history.record(summaries)).toBe(true);
    await clock.advance(HISTORY_INTERVAL_MS - 1);
    expect(history.record(summaries)).toBe(false);
    await clock.advance(1);
    expect(history.record(summaries)).toBe(true);
    expect(history.of('vllm').map((p) => p.at)).toEqual([clock.wallNow() - HISTORY_INTERVAL_MS, clock.wallNow()]);
    expect(history.of('llm-d')).toHaveLength(2);
    expect(history.of('unknown')).toEqual([]);
  });

  it("stores the window's P50/P95/P99, cache speedup and error ratio as the summary gives them", () => {
    const history = new FigureHistory({ maxPoints: 10, clock: new FakeClock() });
    const s = summaryOf('vllm', [300, 100, 100, 100, 100, 100, 100, 100, 100, 100], 2);
    history.record([s]);
    expect(history.of('vllm')).toEqual([
      { at: 1_700_000_000_000, requests: 12, p50Ms: s.ttft?.p50, p95Ms: s.ttft?.p95, p99Ms: s.ttft?.p99, cacheSpeedup: 3, errorRatio: 2 / 12 },
    ]);
  });

  it('drops the oldest points beyond maxPoints (a day of minutes by default)', async () => {
    const clock = new FakeClock();
    const history = new FigureHistory({ maxPoints: 3, clock });
    for (let minute = 0; minute < 5; minute++) {
      history.record([summaryOf('vllm', [100 * (minute + 1)])]);
      await clock.advance(HISTORY_INTERVAL_MS);
    }
    expect(history.of('vllm').map((p) => p.p50Ms)).toEqual([300, 400, 500]);
  });

  it('has null figures for an empty window, not zeros', () => {
    const history = new FigureHistory({ maxPoints: 3, clock: new FakeClock() });
    history.record([summaryOf('vllm', [])]);
    expect(history.of('vllm')).toEqual([{ at: 1_700_000_000_000, requests: 0, p50Ms: null, p95Ms: null, p99Ms: null, cacheSpeedup: null, errorRatio: null }]);
  });
});
