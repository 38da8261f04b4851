import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { countTokens } from './block-hash.js';
import { FakeClock } from '../test-support/fake-clock.js';
import { startReplica, type Replica } from './replica.js';
import { chatBody, fastEngine, postJson, postSse, until } from '../test-support/sim-requests.js';
import { renderChat } from './text.js';

interface Chunk {
  object: string;
  choices: { delta?: { role?: string; content?: string }; text?: string; finish_reason: string | null }[];
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number; prompt_tokens_details: { cached_tokens: number } };
}

let replica: Replica;
beforeAll(async () => {
  replica = await startReplica({ name: 'test-0', engine: fastEngine() });
});
afterAll(() => replica.close());

describe('replica wire format', () => {
  it('streams a role chunk, content chunks, a finish chunk, the usage chunk when asked, then [DONE]', async () => {
    const r = await postSse(`${replica.url}/v1/chat/completions`, chatBody('Hello there, tell me about caches.', { stream_options: { include_usage: true } }));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(r.headers.get('x-inference-pod')).toBe('test-0');
    expect(r.events.at(-1)).toBe('[DONE]');
    const chunks = r.events.slice(0, -1).map((e) => JSON.parse(e) as Chunk);
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '' });
    const usageChunk = chunks.at(-1) as Chunk;
    expect(usageChunk.choices).toEqual([]);
    const content = chunks.slice(1, -2);
    expect(content.length).toBeGreaterThan(0);
    expect(content.every((c) => (c.choices[0]?.delta?.content ?? '').length > 0 && c.choices[0]?.finish_reason === null)).toBe(true);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toMatch(/^(stop|length)$/);
    expect(usageChunk.usage).toEqual({
      prompt_tokens: expect.any(Number),
      completion_tokens: content.length,
      total_tokens: (usageChunk.usage?.prompt_tokens ?? 0) + content.length,
      prompt_tokens_details: { cached_tokens: 0 },
    });
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
  });

  it('sends no usage chunk unless stream_options.include_usage is true', async () => {
    const r = await postSse(`${replica.url}/v1/chat/completions`, chatBody('No usage please.'));
    const chunks = r.events.slice(0, -1).map((e) => JSON.parse(e) as Chunk);
    expect(chunks.some((c) => c.usage !== undefined || c.choices.length === 0)).toBe(false);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).not.toBeNull();
  });

  it('answers deterministically and reports the prefix cached on the next turn', async () => {
    const doc = 'A long document about prefix caching. '.repeat(40);
    const first = await postJson(`${replica.url}/v1/chat/completions`, chatBody(doc, { stream: false }));
    const again = await postJson(`${replica.url}/v1/chat/completions`, chatBody(doc, { stream: false }));
    type Full = { choices: { message: { content: string } }[]; usage: { prompt_tokens: number; prompt_tokens_details: { cached_tokens: number } } };
    const a = first.json as Full;
    const b = again.json as Full;
    expect(b.choices[0]?.message.content).toBe(a.choices[0]?.message.content);
    expect(a.usage.prompt_tokens_details.cached_tokens).toBe(0);
    // Everything but the trailing partial block (and at least the last token) is cached.
    expect(b.usage.prompt_tokens_details.cached_tokens).toBeGreaterThan(a.usage.prompt_tokens - 16 - 1);
    const next = await postJson(`${replica.url}/v1/chat/completions`, {
      ...chatBody(doc, { stream: false }),
      messages: [{ role: 'user', content: doc }, { role: 'assistant', content: a.choices[0]?.message.content }, { role: 'user', content: 'And then?' }],
    });
    const n = next.json as Full;
    expect(n.usage.prompt_tokens_details.cached_tokens).toBeGreaterThanOrEqual(a.usage.prompt_tokens - 16);
  });

  it('serves text completions, models and health', async () => {
    const r = await postSse(`${replica.url}/v1/completions`, { model: fastEngine().model, prompt: 'Once upon a time', max_tokens: 5, stream: true });
    const chunks = r.events.slice(0, -1).map((e) => JSON.parse(e) as Chunk);
    expect(chunks[0]?.object).toBe('text_completion');
    expect((chunks[0]?.choices[0]?.text ?? '').length).toBeGreaterThan(0);
    expect(chunks.length).toBe(6);
    const models = (await (await fetch(`${replica.url}/v1/models`)).json()) as { data: { id: string }[] };
    expect(models.data[0]?.id).toBe(fastEngine().model);
    expect((await fetch(`${replica.url}/health`)).status).toBe(200);
  });

  it('rejects bad bodies with 400 and unknown models or routes with 404, OpenAI style', async () => {
    const bad = await postJson(`${replica.url}/v1/chat/completions`, { model: fastEngine().model, messages: 'nope' });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({ error: { message: expect.stringContaining('messages'), type: 'BadRequestError', code: 400 } });
    expect(bad.headers.get('x-inference-pod')).toBe('test-0');
    const garbled = await fetch(`${replica.url}/v1/chat/completions`, { method: 'POST', body: '{' });
    expect(garbled.status).toBe(400);
    const unknown = await postJson(`${replica.url}/v1/chat/completions`, chatBody('hi', { model: 'gpt-9' }));
    expect(unknown.status).toBe(404);
    expect((unknown.json as { error: { type: string } }).error.type).toBe('NotFoundError');
    expect((await fetch(`${replica.url}/v1/nothing`)).status).toBe(404);
  });

  it('exposes vLLM V1 metrics with model_name and engine labels, and the DCGM GPU gauge', async () => {
    const text = await (await fetch(`${replica.url}/metrics`)).text();
    const model = fastEngine().model;
    for (const name of ['vllm:num_requests_running', 'vllm:num_requests_waiting', 'vllm:kv_cache_usage_perc', 'vllm:prefix_cache_queries_total', 'vllm:prefix_cache_hits_total', 'vllm:prompt_tokens_total', 'vllm:generation_tokens_total', 'vllm:num_preemptions_total']) {
      expect(text).toContain(`${name}{model_name="${model}",engine="0"}`);
    }
    expect(text).toContain(`vllm:request_success_total{model_name="${model}",engine="0",finished_reason="stop"}`);
    expect(text).toMatch(/vllm:cache_config_info\{block_size="16",num_gpu_blocks="10240",enable_prefix_caching="True"/);
    for (const name of ['time_to_first_token', 'inter_token_latency', 'e2e_request_latency', 'request_queue_time', 'request_prefill_time', 'request_decode_time']) {
      expect(text).toContain(`vllm:${name}_seconds_bucket{le="`);
    }
    expect(text).toContain(`vllm:time_to_first_token_seconds_bucket{le="0.001",model_name="${model}",engine="0"}`);
    expect(text).toMatch(/DCGM_FI_DEV_GPU_UTIL\{gpu="0",pod="test-0",namespace="kvcanary-sim",container="vllm"\} \d+/);
  });

  it('reads and replaces its faults over HTTP, validating them', async () => {
    expect((await (await fetch(`${replica.url}/sim/faults`)).json()) as unknown).toEqual({ errorRate: 0, stallMs: 0, slowTokenMs: 0, dropRate: 0, prefillMultiplier: 1, endlessRate: 0, garbledMetricsRate: 0 });
    const put = await postJson(`${replica.url}/sim/faults`, { slowTokenMs: 2, prefillMultiplier: 4 }, 'PUT');
    expect(put.json).toEqual({ errorRate: 0, stallMs: 0, slowTokenMs: 2, dropRate: 0, prefillMultiplier: 4, endlessRate: 0, garbledMetricsRate: 0 });
    expect(replica.engine.slowdown).toEqual({ prefillMultiplier: 4, slowTokenMs: 2 });
    const bad = await postJson(`${replica.url}/sim/faults`, { dropRate: 0.5, typo: 1 }, 'PUT');
    expect(bad.status).toBe(400);
    expect((bad.json as { error: { message: string } }).error.message).toContain('typo');
    await postJson(`${replica.url}/sim/faults`, {}, 'PUT');
    expect(replica.engine.slowdown).toEqual({ prefillMultiplier: 1, slowTokenMs: 0 });
  });

  it('can stream without end, ignoring max_tokens, and garble its /metrics page', async () => {
    await postJson(`${replica.url}/sim/faults`, { endlessRate: 1, garbledMetricsRate: 1 }, 'PUT');
    try {
      const res = await fetch(`${replica.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(chatBody('Hi.', { max_tokens: 2 })) });
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      let bytes = 0;
      while (bytes < 256 * 1024) bytes += ((await reader.read()).value ?? new Uint8Array()).length;
      await reader.cancel();
      // Far more than two tokens' worth, and still going.
      expect(bytes).toBeGreaterThanOrEqual(256 * 1024);
      const page = await (await fetch(`${replica.url}/metrics`)).text();
      expect(page.trimEnd().split('\n').at(-1)).toBe('vllm:kv_cache_usage_perc{engine="0" 0.5');
    } finally {
      await postJson(`${replica.url}/sim/faults`, {}, 'PUT');
    }
  });
});

describe('API-server cost (fake clock)', () => {
  it('holds a request for the fixed cost plus a cost per prompt token, cached or not, before the engine sees it', async () => {
    const clock = new FakeClock();
    const r = await startReplica({ name: 'fe-0', engine: { ...fastEngine(), timeScale: 1, requestOverheadMs: 3, frontendMsPerToken: 0.5 }, clock });
    try {
      const content = 'A prompt the API server tokenises. '.repeat(10);
      const held = 3 + 0.5 * countTokens(renderChat([{ role: 'user', content }]));
      const inEngine = (): number => r.engine.waitingCount() + r.engine.runningCount();
      const response = postSse(`${r.url}/v1/chat/completions`, chatBody(content));
      await until(() => clock.pending() === 1);
      await clock.advance(held - 0.01);
      expect(inEngine()).toBe(0);
      await clock.advance(0.01);
      expect(inEngine()).toBe(1);
      await clock.advance(10_000);
      expect((await response).status).toBe(200);
    } finally {
      await r.close();
    }
  });
});
