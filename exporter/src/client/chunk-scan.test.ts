import { describe, expect, it } from '@jest/globals';
import { newChunkScan, parseChunk, scanChunk, type ChunkScan } from './chunk-scan.js';

function scanOf(data: string): ChunkScan {
  const out = newChunkScan();
  scanChunk(data, out);
  return { ...out };
}

const chunk = (delta: string, finish = 'null'): string =>
  `{"id":"c1","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish}}]}`;

describe('scanChunk (the per-token fast path)', () => {
  it('reads plain and escaped content', () => {
    expect(scanOf(chunk('{"content":"Hello"}')).content).toBe('Hello');
    expect(scanOf(chunk('{"content":"a\\"b\\n\\u00e9"}')).content).toBe('a"b\né');
  });

  it('does not count a role-only chunk or null content', () => {
    const role = scanOf(chunk('{"role":"assistant","content":""}'));
    expect(role.content).toBe('');
    expect(role.reasoning).toBe('');
    expect(scanOf(chunk('{"role":"assistant","content":null}')).content).toBe('');
  });

  it('reads reasoning_content and reasoning when content is empty', () => {
    expect(scanOf(chunk('{"reasoning_content":"think"}')).reasoning).toBe('think');
    expect(scanOf(chunk('{"content":null,"reasoning":"hmm"}')).reasoning).toBe('hmm');
  });

  it('accepts spaces around the colon (Python json.dumps style)', () => {
    expect(scanOf('{"choices": [{"delta": {"content": "x"}, "finish_reason": null}]}').content).toBe('x');
    expect(scanOf('{"choices": [{"delta": {}, "finish_reason": "stop"}]}').finished).toBe(true);
  });

  it('skips a value that happens to equal the key text', () => {
    expect(scanOf('{"model":"content","choices":[{"delta":{"content":"y"}}]}').content).toBe('y');
  });

  it('sees finish_reason, and hands usage and error events to the full parser', () => {
    expect(scanOf(chunk('{}', '"stop"')).finished).toBe(true);
    expect(scanOf(chunk('{}')).finished).toBe(false);
    expect(scanOf('{"choices":[],"usage":{"prompt_tokens":3}}').needsParse).toBe(true);
    expect(scanOf(chunk('{"content":""}').replace('}]}', '}],"usage":null}')).needsParse).toBe(false);
    expect(scanOf('{"error":{"message":"boom"}}').needsParse).toBe(true);
  });

  it('flags malformed events', () => {
    expect(scanOf('not json').malformed).toBe(true);
    expect(scanOf('{"choices":[{"delta":{"content":"unterminated}').malformed).toBe(true);
    expect(scanOf('{"choices":[{"delta":{"content":"bad \\x escape"}}]}').malformed).toBe(true);
  });

  it('agrees with JSON.parse on the content of real-looking chunks', () => {
    for (const text of ['', ' ', 'plain', 'quote " inside', 'tab\tnl\n', 'emoji 🎉', '\\ backslash', '"content":"x"']) {
      const data = chunk(JSON.stringify({ content: text }));
      expect(scanOf(data).content).toBe(parseChunk(data).content);
    }
  });
});

describe('parseChunk (the slow path)', () => {
  it('reads usage with cached tokens', () => {
    const parsed = parseChunk('{"choices":[],"usage":{"prompt_tokens":100,"completion_tokens":7,"prompt_tokens_details":{"cached_tokens":64}}}');
    expect(parsed).toMatchObject({ promptTokens: 100, completionTokens: 7, cachedTokens: 64, content: '' });
  });

  it('reads an in-stream error', () => {
    expect(parseChunk('{"error":{"message":"out of memory","code":500}}').error).toBe('out of memory');
  });

  it('throws on malformed JSON', () => {
    expect(() => parseChunk('{"a":')).toThrow(SyntaxError);
  });
});
