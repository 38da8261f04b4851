import { describe, expect, it } from '@jest/globals';
import type { RequestRecord } from '@kvcanary/contract/schemas';
import type { SeedDocument } from '../corpus/types.js';
import { FakeClock } from '../test-support/fake-clock.js';
import { fakeClient, type FakeClient } from '../test-support/fake-client.js';
import { startContinuous, type ContinuousOptions } from './continuous.js';
import type { ScriptPlan } from './script.js';
import type { ConversationResult } from './types.js';

const documents: SeedDocument[] = [
  { name: 'a.py', type: 'CODE', content: 'x = 1' },
  { name: 'b.md', type: 'TEXT', content: 'text' },
];

const plan: ScriptPlan = { documents, turns: 3, seed: 5, thinkTime: { minMs: 0, maxMs: 10 } };

function engine(clock: FakeClock, client: FakeClient, over: Partial<ContinuousOptions> = {}) {
  const records: RequestRecord[] = [];
  const conversations: ConversationResult[] = [];
  const handle = startContinuous({
    target: { name: 't', client, model: 'm', maxTokens: 10, timeoutMs: 1000 },
    plan,
    pace: { concurrency: 2 },
    clock,
    onRecord: (r) => records.push(r),
    onConversation: (c) => conversations.push(c),
    ...over,
  });
  return { handle, records, conversations };
}

/** The user messages of each request, joined: conversation i's turn k is the same text on every target. */
function askedBy(client: FakeClient): string[] {
  return client.requests.map((r) => r.messages.filter((m) => m.role === 'user').map((m) => m.content).join('|'));
}

describe('startContinuous', () => {
  it('runs conversations 0, 1, 2, ... of the plan, so two engines on one plan ask the same questions', async () => {
    const clock = new FakeClock();
    const fast = fakeClient({ clock, delayMs: 10 });
    const slow = fakeClient({ clock, delayMs: 30 });
    const a = engine(clock, fast);
    const b = engine(clock, slow);
    await clock.runUntil(() => b.conversations.filter((c) => c.outcome === 'completed').length >= 4);
    await clock.settle(Promise.all([a.handle.stop(1000), b.handle.stop(1000)]));
    expect(fast.maxInFlight).toBeLessThanOrEqual(2);
    const ids = (records: RequestRecord[]) => new Set(records.map((r) => r.conversation));
    expect([...ids(b.records)].every((id) => ids(a.records).has(id))).toBe(true);
    // Every turn the slow target was asked, the fast one was asked too (answers differ in text only).
    for (const asked of askedBy(slow)) expect(askedBy(fast)).toContain(asked);
    expect(fast.inFlight + slow.inFlight).toBe(0);
  });

  it('keeps to `parallel` requests when pacing by rate, and skips starts beyond its bound', async () => {
    const clock = new FakeClock();
    const slow = fakeClient({ clock, delayMs: 30 });
    // One start per millisecond: far too fast for a target that takes 30 ms a turn.
    const e = engine(clock, slow, { pace: { conversationsPerMinute: 60_000, maxConversations: 3 }, parallel: 2 });
    await clock.runUntil(() => e.conversations.some((c) => c.outcome === 'skipped') && slow.requests.length >= 4);
    await clock.settle(e.handle.stop(0));
    expect(slow.maxInFlight).toBe(2);
    expect(slow.inFlight).toBe(0);
  });

  it('keeps going when requests fail, and stop(0) cuts what is in flight', async () => {
    const clock = new FakeClock();
    const flaky = fakeClient({ clock, delayMs: 2, fail: (_, i) => (i % 3 === 0 ? 'timeout' : null) });
    const e = engine(clock, flaky, { pace: { concurrency: 3 } });
    await clock.runUntil(() => e.conversations.filter((c) => c.outcome === 'completed').length >= 2 && e.conversations.some((c) => c.outcome === 'failed'));
    await clock.settle(e.handle.stop(0));
    expect(e.records.some((r) => r.outcome === 'timeout')).toBe(true);
    expect(e.conversations.some((c) => c.outcome === 'cancelled')).toBe(true);
    expect(flaky.inFlight).toBe(0);
  });

  it('lets a request in flight finish within the grace period, then starts nothing new', async () => {
    const clock = new FakeClock();
    const client = fakeClient({ clock, delayMs: 50 });
    const e = engine(clock, client, { pace: { concurrency: 1 } });
    await clock.runUntil(() => client.inFlight === 1);
    const sent = client.requests.length;
    await clock.settle(e.handle.stop(1000));
    expect(client.requests).toHaveLength(sent);
    expect(e.records.at(-1)?.outcome).toBe('success');
  });

  it('survives a throwing callback', async () => {
    const clock = new FakeClock();
    const client = fakeClient({ clock, delayMs: 1 });
    let seen = 0;
    const e = engine(clock, client, {
      pace: { concurrency: 1 },
      onRecord: () => {
        seen++;
        throw new Error('observer bug');
      },
    });
    // Each throw costs one conversation (its first turn), never the engine: conversations go on.
    await clock.runUntil(() => seen >= 3);
    expect(new Set(client.requests.map((r) => r.messages[0]?.content)).size).toBeGreaterThan(1);
    await clock.settle(e.handle.stop(100));
    await expect(e.handle.done).resolves.toBeUndefined();
  });
});
