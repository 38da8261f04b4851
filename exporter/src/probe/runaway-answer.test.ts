import { afterEach, describe, expect, it } from '@jest/globals';
import type { RequestRecord } from '@kvcanary/contract/schemas';
import { createChatClient, type ChatClient } from '../client/chat-client.js';
import { ANSWER_CHARS_PER_TOKEN, MIN_STREAM_BYTES } from '../client/limits.js';
import { startLoopback, type Loopback } from '../test-support/loopback.js';
import { streamForever, tokenEvent } from '../test-support/runaway-stream.js';
import { systemClock } from '../util/clock.js';
import { runConversation } from './conversation.js';
import { conversationScript } from './script.js';

/**
 * A server that ignores max_tokens and streams forever used to grow the answer text without bound
 * (a V8 heap OOM in under a minute with 64 KB tokens) and then send that text back as the next turn.
 * Now the request ends as stream_error at the answer or byte limit, its text is dropped, and the
 * conversation ends there.
 */
const MAX_TOKENS = 500;
/** Heap allowed to grow while the runaway request runs: the limits hold about 1 MiB per request. */
const HEAP_BOUND_BYTES = 48 * 1024 * 1024;

let server: Loopback | null = null;
let client: ChatClient | null = null;
afterEach(async () => {
  await client?.close();
  await server?.close();
  server = client = null;
});

/** Runs one conversation against a server whose first answer never ends; later answers are short and normal. */
async function conversationAgainstRunaway(token: string, perWrite: number) {
  const bodies: number[] = [];
  server = await startLoopback((req, res) => {
    let size = 0;
    req.on('data', (chunk: Buffer) => (size += chunk.length));
    req.on('end', () => {
      bodies.push(size);
      if (bodies.length === 1) return streamForever(res, token, perWrite);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`${tokenEvent('fine')}data: [DONE]\n\n`);
    });
  });
  client = createChatClient({ baseUrl: `${server.url}/v1`, keepAlive: false, replicaHeader: 'x-inference-pod' });
  const script = conversationScript({ documents: [{ name: 'a.md', type: 'TEXT', content: 'A short document.' }], turns: 3, seed: 1, thinkTime: { minMs: 0, maxMs: 0 } }, 0);
  const records: RequestRecord[] = [];
  global.gc?.();
  const baseline = process.memoryUsage().heapUsed;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 5);
  try {
    const result = await runConversation({
      target: { name: 't', client, model: 'm', maxTokens: MAX_TOKENS, timeoutMs: 5000 },
      script,
      clock: systemClock,
      signal: new AbortController().signal,
      onRecord: (r) => records.push(r),
    });
    return { result, records, bodies, heapGrowth: Math.max(peak, process.memoryUsage().heapUsed) - baseline };
  } finally {
    clearInterval(sampler);
  }
}

describe('a server that ignores max_tokens and never ends the stream', () => {
  it('64 KB tokens: stream_error at the answer limit, bounded heap, nothing sent back', async () => {
    const run = await conversationAgainstRunaway('x'.repeat(64 * 1024), 1);
    expect(run.records.map((r) => [r.turn, r.outcome])).toEqual([[1, 'stream_error']]);
    expect(run.records[0]?.error).toBe(`answer longer than ${MAX_TOKENS * ANSWER_CHARS_PER_TOKEN} characters: the server ignores max_tokens`);
    expect(run.result).toMatchObject({ outcome: 'failed', turnsRun: 1 });
    // The conversation ended: no second request, so the runaway text was never fed back.
    expect(run.bodies).toHaveLength(1);
    expect(run.heapGrowth).toBeLessThan(HEAP_BOUND_BYTES);
  });

  it('1-character tokens: stream_error at the byte limit, bounded heap, nothing sent back', async () => {
    // Each event's framing outweighs its one character: the byte limit comes before the answer limit.
    expect(tokenEvent('y').length * MAX_TOKENS * ANSWER_CHARS_PER_TOKEN).toBeGreaterThan(MIN_STREAM_BYTES);
    const run = await conversationAgainstRunaway('y', 2000);
    expect(run.records.map((r) => [r.turn, r.outcome])).toEqual([[1, 'stream_error']]);
    expect(run.records[0]?.error).toBe(`response longer than ${MIN_STREAM_BYTES} bytes: the server ignores max_tokens or never ends the stream`);
    expect(run.bodies).toHaveLength(1);
    expect(run.heapGrowth).toBeLessThan(HEAP_BOUND_BYTES);
  });

  it('the byte limit ends a stream that carries no text at all (comments forever)', async () => {
    server = await startLoopback((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const pump = (): void => {
        while (!res.destroyed && res.write(': keep-alive\n'.repeat(4096)));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    client = createChatClient({ baseUrl: `${server.url}/v1`, keepAlive: false, replicaHeader: 'x-inference-pod' });
    const result = await client.chat({ model: 'm', messages: [{ role: 'user', content: 'hi' }], maxTokens: 16, limits: { maxStreamBytes: 256 * 1024 }, timeoutMs: 5000, includeUsage: true });
    expect([result.outcome, result.error, result.text]).toEqual(['stream_error', 'response longer than 262144 bytes: the server ignores max_tokens or never ends the stream', '']);
  });
});
