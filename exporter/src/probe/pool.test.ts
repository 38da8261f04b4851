import { describe, expect, it } from '@jest/globals';
import type { RequestRecord } from '@kvcanary/contract/schemas';
import type { SeedDocument } from '../corpus/types.js';
import { FakeClock } from '../test-support/fake-clock.js';
import { fakeClient, type FakeClient } from '../test-support/fake-client.js';
import { runPool, type PoolOptions } from './pool.js';
import { runScripts, type ScriptPlan } from './script.js';
import type { ConversationResult } from './types.js';

const documents: SeedDocument[] = [
  { name: 'a.py', type: 'CODE', content: 'x = 1' },
  { name: 'b.md', type: 'TEXT', content: 'text' },
];

const plan: ScriptPlan = { documents, turns: 4, seed: 1, thinkTime: { minMs: 0, maxMs: 1 } };

function options(clock: FakeClock, client: FakeClient, overrides: Partial<PoolOptions> = {}): PoolOptions & { records: RequestRecord[]; conversations: ConversationResult[] } {
  const records: RequestRecord[] = [];
  const conversations: ConversationResult[] = [];
  return {
    target: { name: 't', client, model: 'm', maxTokens: 10, timeoutMs: 1000 },
    scripts: runScripts(plan, 11),
    parallel: 3,
    clock,
    signal: new AbortController().signal,
    onRecord: (r) => records.push(r),
    onConversation: (c) => conversations.push(c),
    records,
    conversations,
    ...overrides,
  };
}

describe('runPool', () => {
  it('runs every turn of every conversation with at most `parallel` requests in flight', async () => {
    const clock = new FakeClock();
    const client = fakeClient({ clock, delayMs: 3 });
    const o = options(clock, client);
    const results = await clock.settle(runPool(o));
    expect(o.records).toHaveLength(44);
    expect(client.maxInFlight).toBe(3);
    expect(results.every((r) => r.outcome === 'completed' && r.turnsSucceeded === 4)).toBe(true);
    expect(o.conversations).toHaveLength(11);
  });

  it('interleaves turns of different conversations (queue, one turn, requeue)', async () => {
    const clock = new FakeClock();
    const scripts = runScripts({ ...plan, thinkTime: { minMs: 0, maxMs: 0 } }, 11);
    const o = options(clock, fakeClient({ clock, delayMs: 1 }), { parallel: 1, scripts });
    await clock.settle(runPool(o));
    // One worker, FIFO queue: every conversation's turn 1 comes before any turn 2.
    expect(o.records.slice(0, 11).map((r) => r.turn)).toEqual(Array(11).fill(1));
    expect(o.records.slice(0, 11).map((r) => r.conversation)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(o.records[11]?.turn).toBe(2);
  });

  it('pauses before each turn for exactly the script\'s think time', async () => {
    const clock = new FakeClock();
    const scripts = runScripts({ ...plan, thinkTime: { minMs: 100, maxMs: 200 } }, 1);
    const o = options(clock, fakeClient({ clock, delayMs: 5 }), { parallel: 1, scripts });
    const t0 = clock.wallNow();
    await clock.settle(runPool(o));
    const think = scripts[0]?.thinkMs ?? [];
    expect(think.every((ms) => ms >= 100 && ms < 200)).toBe(true);
    // Each turn starts after the previous one ended (5 ms) plus its own pause.
    const starts = o.records.map((r) => r.startedAt - t0);
    let expected = 0;
    starts.forEach((start, k) => {
      expected += think[k] ?? 0;
      expect(start).toBeCloseTo(expected, 3); // wall times near 1.7e12 ms keep about 0.2 µs
      expected += 5;
    });
  });

  it("feeds each answer back as the next turn's assistant message", async () => {
    const clock = new FakeClock();
    const client = fakeClient({ clock, delayMs: 1 });
    await clock.settle(runPool(options(clock, client, { parallel: 1, scripts: runScripts({ ...plan, turns: 3 }, 1) })));
    expect(client.requests.map((r) => r.messages.length)).toEqual([1, 3, 5]);
    expect(client.requests[2]?.messages[3]).toEqual({ role: 'assistant', content: 'answer 1' });
  });

  it('records the replica header as a replica label value, by the rule discovery uses', async () => {
    const clock = new FakeClock();
    const headers = ['pod/a b', '   ', 'vllm-0'];
    const client = fakeClient({ clock, delayMs: 1, replica: (i) => headers[i] ?? 'vllm-0' });
    const o = options(clock, client, { parallel: 1, scripts: runScripts({ ...plan, turns: 3 }, 1) });
    await clock.settle(runPool(o));
    expect(o.records.map((r) => r.replica)).toEqual(['pod_a_b', undefined, 'vllm-0']);
  });

  it('records a failed request, ends that conversation, and finishes the rest of the run', async () => {
    // The 5th request fails with no text: its conversation ends failed, the others complete.
    const clock = new FakeClock();
    const client = fakeClient({ clock, delayMs: 1, fail: (_, i) => (i === 4 ? 'http_error' : null) });
    const o = options(clock, client, { parallel: 2 });
    const results = await clock.settle(runPool(o));
    const failed = o.records.filter((r) => r.outcome !== 'success');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.error).toBe('fake http_error');
    expect(results.filter((r) => r.outcome === 'failed')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'completed')).toHaveLength(10);
    expect(o.records).toHaveLength(1 + 10 * 4 + (failed[0]?.turn ?? 0) - 1);
  });

  it('survives a client that throws', async () => {
    const clock = new FakeClock();
    const client = fakeClient({ clock });
    client.chat = () => Promise.reject(new Error('boom'));
    const o = options(clock, client);
    const results = await clock.settle(runPool(o));
    expect(o.records).toHaveLength(11);
    expect(o.records.every((r) => r.outcome === 'stream_error' && r.error === 'boom')).toBe(true);
    expect(results.every((r) => r.outcome === 'failed')).toBe(true);
  });

  it('stops promptly when aborted and reports the unfinished conversations as cancelled', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const o = options(clock, fakeClient({ clock, delayMs: 20 }), { signal: controller.signal });
    void clock.sleep(30).then(() => controller.abort());
    const results = await clock.settle(runPool(o));
    expect(results.some((r) => r.outcome === 'cancelled')).toBe(true);
    expect(o.records.length).toBeLessThan(44);
    expect(o.conversations).toHaveLength(11);
  });
});
