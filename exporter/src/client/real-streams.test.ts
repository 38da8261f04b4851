import { afterEach, describe, expect, it } from '@jest/globals';
import { createChatClient } from './chat-client.js';
import type { ChatResult } from './types.js';
import { startLoopback } from '../test-support/loopback.js';
import { realStream } from '../test-support/real-samples.js';

/**
 * The real streams of exporter/testdata/real/streams (provenance and facts: SOURCES.md there), sent
 * event by event, GAP_MS apart, to the client. Which event starts TTFT is read from the times: an
 * event cannot arrive before it is written, so a TTFT of at least k x GAP_MS started at event k or
 * later (lower bounds only, no wall-clock upper bound). The published streams are excerpts that stop
 * mid-stream; where a test needs a finished stream it appends `data: [DONE]` (synthetic, the
 * terminator of the llm-d-inference-sim stream) and says so.
 */
const GAP_MS = 150;
const DONE = 'data: [DONE]';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

/** The stream's blocks (events, and the authors' "..." lines, which SSE ignores), in order. */
const blocks = (stream: string): string[] => stream.split('\n\n').filter((b) => b.trim() !== '');

async function replay(events: readonly string[]): Promise<ChatResult> {
  const server = await startLoopback((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const next = (i: number): void => {
      if (i >= events.length) return void res.end();
      res.write(`${events[i] ?? ''}\n\n`);
      setTimeout(() => next(i + 1), GAP_MS);
    };
    next(0);
  });
  cleanups.push(() => server.close());
  const client = createChatClient({ baseUrl: `${server.url}/v1`, keepAlive: false, replicaHeader: 'x-inference-pod' });
  cleanups.push(() => client.close());
  return client.chat({ model: 'm', messages: [{ role: 'user', content: 'hi' }], maxTokens: 16, timeoutMs: 10_000, includeUsage: true });
}

describe('real streams', () => {
  it('vllm-no-usage-6083: the role-only event 1 does not start TTFT; content "我是" in event 2 does; no usage means cached tokens not reported', async () => {
    const events = blocks(realStream('vllm-no-usage-6083.sse'));
    expect(events).toHaveLength(6);
    const result = await replay([...events, DONE]);
    expect(result.outcome).toBe('success');
    expect(result.ttftMs).toBeGreaterThanOrEqual(GAP_MS);
    // No reasoning: first content is the first token.
    expect(result.ttfcMs).toBe(result.ttftMs);
    expect(result.text).toBe('我是阿里云开发的一款');
    expect(result.cachedTokens).toBeUndefined();
    expect(result.promptTokens).toBeUndefined();
  });

  it('vllm-no-usage-6083 as published (cut before [DONE] and any finish_reason): a truncated stream, not a success', async () => {
    const result = await replay(blocks(realStream('vllm-no-usage-6083.sse')));
    expect(result).toMatchObject({ outcome: 'stream_error', error: 'stream ended before [DONE]' });
  });

  it('vllm-0.7.2-reasoning-content-13375: TTFT starts at the first reasoning delta (event 2); no content came, so no time to first content', async () => {
    const events = blocks(realStream('vllm-0.7.2-reasoning-content-13375.sse'));
    // Four events and the authors' "..." line between the third and the fourth.
    expect(events.map((e) => e.slice(0, 5))).toEqual(['data:', 'data:', 'data:', '...', 'data:']);
    const result = await replay([...events, DONE]);
    // Event 1 has content "" (role only): TTFT is not before event 2's "\n" reasoning.
    expect(result.ttftMs).toBeGreaterThanOrEqual(GAP_MS);
    expect(result.ttfcMs).toBeUndefined();
    expect(result.text).toBe('');
    // The server's view: its first token was generated, so the request is not empty.
    expect(result.outcome).toBe('success');
  });

  it('sglang-0.4.4-mid-stream-4550: SGLang\'s chunk shape (null role, null reasoning_content, usage null) starts TTFT at its first content', async () => {
    const result = await replay([...blocks(realStream('sglang-0.4.4-mid-stream-4550.sse')), DONE]);
    expect(result).toMatchObject({ outcome: 'success', text: '提供帮助' });
    expect(result.ttfcMs).toBe(result.ttftMs);
    expect(result.cachedTokens).toBeUndefined();
  });

  it('llmd-inference-sim-generate-528: token ids, no delta: a chat reader finds no content and says so', async () => {
    const result = await replay(blocks(realStream('llmd-inference-sim-generate-528.sse')));
    expect(result).toMatchObject({ outcome: 'empty_response', error: 'stream completed without any content' });
    expect(result.ttftMs).toBeUndefined();
    expect(result.ttfcMs).toBeUndefined();
  });
});

describe('reasoning, then the answer (synthetic: the real 13375 events, then content events of the same shape; no published raw stream has both)', () => {
  const reasoningEvents = blocks(realStream('vllm-0.7.2-reasoning-content-13375.sse')).filter((e) => e.startsWith('data:'));
  const contentEvent = (text: string): string =>
    (reasoningEvents[1] ?? '').replace('{"reasoning_content":"\\n"}', JSON.stringify({ content: text }));

  it('TTFT starts at the first reasoning delta, time to first content at the answer', async () => {
    const answer = contentEvent('Hello');
    expect(answer).toContain('"delta":{"content":"Hello"}');
    // Role, three reasoning deltas (events 2-4), then the answer as event 5.
    const result = await replay([...reasoningEvents, answer, DONE]);
    expect(result.outcome).toBe('success');
    expect(result.ttftMs).toBeGreaterThanOrEqual(GAP_MS);
    expect(result.ttfcMs).toBeGreaterThanOrEqual(4 * GAP_MS);
    expect(result.ttftMs).toBeLessThanOrEqual(result.ttfcMs ?? 0);
    expect(result.text).toBe('Hello');
  });

  it('reads the newer delta.reasoning spelling the same way', async () => {
    const newer = reasoningEvents.map((e) => e.replace('"reasoning_content"', '"reasoning"'));
    const result = await replay([...newer, contentEvent('Hi'), DONE]);
    expect(result.ttftMs).toBeGreaterThanOrEqual(GAP_MS);
    expect(result.ttfcMs).toBeGreaterThanOrEqual(4 * GAP_MS);
  });
});

