import { describe, expect, it } from '@jest/globals';
import type { RequestRecord } from '@kvcanary/contract/schemas';
import type { SeedDocument } from '../corpus/types.js';
import { startContinuous } from './continuous.js';
import { fakeClient } from './test-client.js';
import type { ConversationResult } from './types.js';

const documents: SeedDocument[] = [
  { name: 'a.py', type: 'CODE', content: 'x = 1' },
  { name: 'b.md', type: 'TEXT', content: 'text' },
];

const base = { documents, turns: 3, seed: 5, maxTokens: 10, timeoutMs: 1000, thinkTime: { minMs: 0, maxMs: 1 } };

function until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (predicate()) resolve();
      else if (Date.now() > deadline) reject(new Error('condition not met in time'));
      else setTimeout(check, 2);
    };
    check();
  });
}

describe('startContinuous', () => {
  it('sends the same conversation scripts to every target (paired) until stopped', async () => {
    const a = fakeClient({ delayMs: 1 });
    const b = fakeClient({ delayMs: 3 });
    const records: RequestRecord[] = [];
    const conversations: ConversationResult[] = [];
    const engine = startContinuous({
      ...base,
      targets: [
        { name: 'a', client: a, model: 'm' },
        { name: 'b', client: b, model: 'm' },
      ],
      pace: { concurrency: 2 },
      onRecord: (r) => records.push(r),
      onConversation: (c) => conversations.push(c),
    });
    await until(() => conversations.filter((c) => c.target === 'b' && c.outcome === 'completed').length >= 4);
    await engine.stop(1000);
    expect(a.maxInFlight).toBeLessThanOrEqual(2);
    // Conversation i asked the same questions of both targets (the answers fed back differ only in text).
    const userTurns = (requests: typeof a.requests, i: number): string[] =>
      requests.filter((r) => r.messages.length === 2 * i + 1).map((r) => r.messages.filter((m) => m.role === 'user').map((m) => m.content).join('|'));
    for (const turn of [0, 1, 2]) {
      const fromB = new Set(userTurns(b.requests, turn));
      for (const asked of fromB) expect(userTurns(a.requests, turn)).toContain(asked);
    }
    const inFlightAfterStop = a.inFlight + b.inFlight;
    expect(inFlightAfterStop).toBe(0);
  });

  it('keeps to `parallel` requests per target when pacing by rate, and skips starts beyond its bound', async () => {
    const slow = fakeClient({ delayMs: 30 });
    const conversations: ConversationResult[] = [];
    const engine = startContinuous({
      ...base,
      targets: [{ name: 'slow', client: slow, model: 'm' }],
      pace: { conversationsPerMinute: 60_000, maxConversationsPerTarget: 3 }, // one per ms: far too fast
      parallel: 2,
      onRecord: () => undefined,
      onConversation: (c) => conversations.push(c),
    });
    await until(() => conversations.some((c) => c.outcome === 'skipped') && slow.requests.length >= 4);
    await engine.stop(0);
    expect(slow.maxInFlight).toBeLessThanOrEqual(2);
    expect(slow.inFlight).toBe(0);
  });

  it('keeps going when requests fail, and stop(0) cuts what is in flight', async () => {
    const flaky = fakeClient({ delayMs: 2, fail: (_, i) => (i % 3 === 0 ? 'timeout' : null) });
    const records: RequestRecord[] = [];
    const conversations: ConversationResult[] = [];
    const engine = startContinuous({
      ...base,
      targets: [{ name: 'flaky', client: flaky, model: 'm' }],
      pace: { concurrency: 3 },
      onRecord: (r) => records.push(r),
      onConversation: (c) => conversations.push(c),
    });
    await until(() => conversations.filter((c) => c.outcome === 'completed').length >= 2 && conversations.some((c) => c.outcome === 'failed'));
    await engine.stop(0);
    await engine.done;
    expect(records.some((r) => r.outcome === 'timeout')).toBe(true);
    expect(flaky.inFlight).toBe(0);
  });

  it('survives a throwing callback', async () => {
    const client = fakeClient({ delayMs: 1 });
    let seen = 0;
    const engine = startContinuous({
      ...base,
      targets: [{ name: 'x', client, model: 'm' }],
      pace: { concurrency: 1 },
      onRecord: () => {
        seen++;
        throw new Error('observer bug');
      },
    });
    await until(() => seen >= 3);
    await engine.stop(100);
  });
});
