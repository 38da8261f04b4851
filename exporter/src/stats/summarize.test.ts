import { describe, expect, it } from '@jest/globals';
import { summarize } from './summarize.js';
import { makeRecord } from '../test-support/records.js';

const options = { target: 'baseline', model: 'm', elapsedSeconds: 10, conversationsPlanned: 2 };

describe('summarize', () => {
  const records = [
    makeRecord({ conversation: 0, turn: 1, ttftMs: 300, docType: 'CODE', replica: 'a' }),
    makeRecord({ conversation: 0, turn: 2, ttftMs: 100, docType: 'CODE', replica: 'a' }),
    makeRecord({ conversation: 0, turn: 3, ttftMs: 50, docType: 'CODE', replica: 'b' }),
    makeRecord({ conversation: 1, turn: 1, ttftMs: 500, docType: 'TEXT', replica: 'b' }),
    makeRecord({ conversation: 1, turn: 2, ttftMs: 150, docType: 'TEXT', replica: 'b' }),
    makeRecord({ conversation: 1, turn: 3, outcome: 'timeout', ttftMs: undefined, totalMs: 120000, error: 'timed out' }),
  ];
  const s = summarize(records, { ...options, turnsPerConversation: 3 });

  it('counts every request, by outcome, and the rate over the elapsed time', () => {
    expect(s.requests).toBe(6);
    expect(s.outcomes).toEqual({ success: 5, timeout: 1 });
    expect(s.requestsPerSecond).toBeCloseTo(0.6);
    expect(s.conversationsCompleted).toBe(1);
    expect(s.conversationsPlanned).toBe(2);
  });

  it('computes latency over successful requests only', () => {
    expect(s.ttft?.count).toBe(5);
    expect(s.ttft?.min).toBe(50);
    expect(s.ttft?.max).toBe(500);
    expect(s.ttft?.mean).toBe(220);
    expect(s.totalTime?.max).toBe(1000);
  });

  it('groups TTFT by turn and by document type', () => {
    expect(s.byTurn).toEqual([
      { key: '1', meanMs: 400, count: 2 },
      { key: '2', meanMs: 125, count: 2 },
      { key: '3', meanMs: 50, count: 1 },
    ]);
    expect(s.byDocType).toEqual([
      { key: 'CODE', meanMs: 150, count: 3 },
      { key: 'TEXT', meanMs: 325, count: 2 },
    ]);
  });

  it('speedup is the first-turn mean over the later-turns mean', () => {
    expect(s.firstTurnMeanMs).toBe(400);
    expect(s.laterTurnsMeanMs).toBe(100);
    expect(s.cacheSpeedup).toBe(4);
  });

  it('turn affinity is the share of later turns on the previous turn\'s replica', () => {
    // conv 0: 1->2 same (a,a), 2->3 moved (a,b); conv 1: 1->2 same (b,b); 3 has no replica.
    expect(s.turnAffinity).toBeCloseTo(2 / 3);
    expect(s.replicas).toEqual({ a: 2, b: 3 });
  });

  it('caps turn keys so that labels stay bounded, the capped key sorted last', () => {
    const many = Array.from({ length: 12 }, (_, i) => makeRecord({ turn: i + 1, ttftMs: i + 1 }));
    const capped = summarize(many, { ...options, turnCap: 10 });
    expect(capped.byTurn.map((g) => g.key)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10+']);
    expect(capped.byTurn.at(-1)).toEqual({ key: '10+', meanMs: 11, count: 3 });
    const uncapped = summarize(many, options);
    expect(uncapped.byTurn.map((g) => g.key)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12']);
  });

  it('sums tokens and leaves the figures empty with no success', () => {
    const t = summarize(
      [makeRecord({ promptTokens: 10, completionTokens: 5, cachedTokens: 8 }), makeRecord({ promptTokens: 20, completionTokens: 5 })],
      options,
    );
    expect(t.tokens).toEqual({ prompt: 30, completion: 10, cached: 8 });
    expect(t.turnAffinity).toBeNull();
    const none = summarize([makeRecord({ outcome: 'connect_error', ttftMs: undefined })], options);
    expect(none.ttft).toBeNull();
    expect(none.cacheSpeedup).toBeNull();
    expect(none.conversationsCompleted).toBe(0);
  });
});
