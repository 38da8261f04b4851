import { describe, expect, it } from '@jest/globals';
import { SseLineTooLongError, SseParser } from './sse-parser.js';

interface Seen {
  data: string;
  event: string;
}

function parseAll(chunks: readonly Uint8Array[]): { events: Seen[]; parser: SseParser } {
  const events: Seen[] = [];
  const parser = new SseParser((data, event) => events.push({ data, event }));
  for (const c of chunks) parser.push(c);
  parser.end();
  return { events, parser };
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Every way of cutting `bytes` in two, plus one-byte-at-a-time. */
function splits(bytes: Uint8Array): Uint8Array[][] {
  const out: Uint8Array[][] = [];
  for (let i = 0; i <= bytes.length; i++) out.push([bytes.subarray(0, i), bytes.subarray(i)]);
  out.push(Array.from(bytes, (_, i) => bytes.subarray(i, i + 1)));
  return out;
}

const STREAM =
  ': keep-alive\r\n\r\n' +
  'data: {"choices":[{"delta":{"role":"assistant","content":""}}]}\r\n\r\n' +
  'data: {"choices":[{"delta":{"content":"héllo → 世界 🎉"}}]}\r\n\r\n' +
  'event: ping\ndata: a\ndata:b\n\n' +
  'id: 7\rretry: 1500\rdata: cr-only\r\r' +
  ': comment\n' +
  'data: [DONE]\n\n';

const EXPECTED: Seen[] = [
  { data: '{"choices":[{"delta":{"role":"assistant","content":""}}]}', event: 'message' },
  { data: '{"choices":[{"delta":{"content":"héllo → 世界 🎉"}}]}', event: 'message' },
  { data: 'a\nb', event: 'ping' },
  { data: 'cr-only', event: 'message' },
  { data: '[DONE]', event: 'message' },
];

describe('SseParser', () => {
  it('yields the same events however the bytes are split, even inside a UTF-8 character or a CRLF', () => {
    const bytes = enc(STREAM);
    for (const chunks of splits(bytes)) {
      const { events, parser } = parseAll(chunks);
      expect(events).toEqual(EXPECTED);
      expect(parser.lastEventId).toBe('7');
      expect(parser.retryMs).toBe(1500);
    }
  });

  it('handles three-way splits around every CRLF', () => {
    const bytes = enc('data: x\r\n\r\ndata: y\r\n\r\n');
    for (let i = 0; i <= bytes.length; i++) {
      for (let j = i; j <= bytes.length; j++) {
        const { events } = parseAll([bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)]);
        expect(events.map((e) => e.data)).toEqual(['x', 'y']);
      }
    }
  });

  it('ignores comments and keep-alive lines without dispatching', () => {
    const { events } = parseAll([enc(': keep-alive\n\n:\n\n: ping\n\n')]);
    expect(events).toEqual([]);
  });

  it('keeps a value verbatim after the one optional space, and fields without a colon', () => {
    const { events } = parseAll([enc('data:  two spaces\n\ndata\n\ndata:\n\n')]);
    expect(events.map((e) => e.data)).toEqual([' two spaces', '', '']);
  });

  it('ignores unknown fields, ids with NUL and non-numeric retry', () => {
    const { events, parser } = parseAll([enc('foo: bar\nid: a\u0000b\nretry: 1s\ndata: x\n\n')]);
    expect(events).toEqual([{ data: 'x', event: 'message' }]);
    expect(parser.lastEventId).toBe('');
    expect(parser.retryMs).toBeUndefined();
  });

  it('strips a leading BOM', () => {
    const { events } = parseAll([new Uint8Array([0xef, 0xbb, 0xbf]), enc('data: x\n\n')]);
    expect(events.map((e) => e.data)).toEqual(['x']);
  });

  it('dispatches complete data lines at end of stream but drops a partial line', () => {
    expect(parseAll([enc('data: [DONE]\n')]).events.map((e) => e.data)).toEqual(['[DONE]']);
    expect(parseAll([enc('data: {"choi')]).events).toEqual([]);
  });

  it('refuses a line longer than its bound instead of growing without limit', () => {
    const parser = new SseParser(() => undefined, 16);
    parser.push(enc('data: 0123456789'));
    expect(() => parser.push(enc('0123456789'))).toThrow(SseLineTooLongError);
  });
});
