import { describe, expect, it } from '@jest/globals';
import type { RequestRecord } from '@kvcanary/contract/schemas';
import type { SeedDocument } from '../corpus/types.js';
import { systemClock } from '../util/clock.js';
import { seededRandom } from '../util/random.js';
import { runPool, type PoolOptions } from './pool.js';
import { runScripts } from './script.js';
import { fakeClient } from './test-client.js';
import type { ConversationResult } from './types.js';

const documents: SeedDocument[] = [
  { name: 'a.py', type: 'CODE', content: 'x = 1' },
  { name: 'b.md', type: 'TEXT', content: 'text' },
];

function options(client: PoolOptions['client'], overrides: Partial<PoolOptions> = {}): PoolOptions & { records: RequestRecord[]; conversations: ConversationResult[] } {
  const records: RequestRecord[] = [];
  const conversations: ConversationResult[] = [];
  return {
    client,
    model: 'm',
    target: 't',
    scripts: runScripts({ count: 11, documents, turns: 4, seed: 1 }),
    parallel: 3,
    maxTokens: 10,
    timeoutMs: 1000,
    thinkTime: { minMs: 0, maxMs: 1 },
    clock: systemClock,
    random: seededRandom(1),
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
    const client = fakeClient({ delayMs: 3 });
    const o = options(client);
    const results = await runPool(o);
    expect(o.records).toHaveLength(44);
    expect(client.maxInFlight).toBe(3);
    expect(results.every((r) => r.outcome === 'completed' && r.turnsSucceeded === 4)).toBe(true);
    expect(o.conversations).toHaveLength(11);
  });

  it('interleaves turns of different conversations (queue, one turn, requeue)', async () => {
    const o = options(fakeClient({ delayMs: 1 }), { parallel: 1, thinkTime: { minMs: 0, maxMs: 0 } });
    await runPool(o);
    // One worker, FIFO queue: every conversation's turn 1 comes before any turn 2.
    expect(o.records.slice(0, 11).map((r) => r.turn)).toEqual(Array(11).fill(1));
    expect(o.records.slice(0, 11).map((r) => r.conversation)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(o.records[11]?.turn).toBe(2);
  });

  it('feeds each answer back as the next turn\'s assistant message', async () => {
    const client = fakeClient({ delayMs: 1 });
    await runPool(options(client, { parallel: 1, scripts: runScripts({ count: 1, documents, turns: 3, seed: 1 }) }));
    expect(client.requests.map((r) => r.messages.length)).toEqual([1, 3, 5]);
    expect(client.requests[2]?.messages[3]).toEqual({ role: 'assistant', content: 'answer 1' });
  });

  it('records a failed request, ends that conversation, and finishes the rest of the run', async () => {
    // The 5th request fails with no text: its conversation ends failed, the others complete.
    const client = fakeClient({ delayMs: 1, fail: (_, i) => (i === 4 ? 'http_error' : null) });
    const o = options(client, { parallel: 2 });
    const results = await runPool(o);
    const failed = o.records.filter((r) => r.outcome !== 'success');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.error).toBe('fake http_error');
    expect(results.filter((r) => r.outcome === 'failed')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'completed')).toHaveLength(10);
    expect(o.records).toHaveLength(1 + 10 * 4 + (failed[0]?.turn ?? 0) - 1);
  });

  it('survives a client that throws', async () => {
    const client = fakeClient();
    client.chat = () => Promise.reject(new Error('boom'));
    const o = options(client);
    const results = await runPool(o);
    expect(o.records).toHaveLength(11);
    expect(o.records.every((r) => r.outcome === 'stream_error' && r.error === 'boom')).toBe(true);
    expect(results.every((r) => r.outcome === 'failed')).toBe(true);
  });

  it('stops promptly when aborted and reports the unfinished conversations as cancelled', async () => {
    const controller = new AbortController();
    const client = fakeClient({ delayMs: 20 });
    const o = options(client, { signal: controller.signal });
    setTimeout(() => controller.abort(), 30);
    const results = await runPool(o);
    expect(results.some((r) => r.outcome === 'cancelled')).toBe(true);
    expect(o.records.length).toBeLessThan(44);
    expect(o.conversations).toHaveLength(11);
  });
});
