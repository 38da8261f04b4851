import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { SseParser } from './sse-parser.js';

/**
 * The network decides where a stream is cut into chunks, so the parser must give the same events
 * whatever the cuts: for well-formed streams (the events that were written, exactly) and for
 * arbitrary bytes (whatever it makes of them, the same every time, and without throwing).
 */
interface Event {
  data: string;
  event: string;
}

function parse(chunks: readonly Uint8Array[]): Event[] {
  const events: Event[] = [];
  const parser = new SseParser((data, event) => events.push({ data, event }));
  for (const chunk of chunks) parser.push(chunk);
  parser.end();
  return events;
}

/** `bytes` cut at the given positions (any order, duplicates allowed). */
function cut(bytes: Uint8Array, at: readonly number[]): Uint8Array[] {
  const bounds = [...new Set(at.map((a) => a % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const to of bounds) {
    chunks.push(bytes.subarray(from, to));
    from = to;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

const cuts = fc.array(fc.nat(), { maxLength: 40 });
const lineEnd = fc.constantFrom('\n', '\r\n', '\r');
/** Field text without line terminators; any Unicode, so multi-byte characters get cut too. */
const text = fc.string({ unit: 'grapheme', maxLength: 30 }).map((s) => s.replace(/[\r\n]/g, ''));
const written = fc.record({
  event: fc.option(text.filter((s) => s !== ''), { nil: undefined }),
  lines: fc.array(text, { minLength: 1, maxLength: 3 }),
  comment: fc.option(text, { nil: undefined }),
  space: fc.boolean(),
});

describe('SSE parser on arbitrary chunking', () => {
  it('well-formed streams: exactly the written events, wherever the chunks are cut', () => {
    // The one space after a field's colon is syntax: written without it, a value's own leading space is read as it.
    const asRead = (value: string, space: boolean): string => (space || !value.startsWith(' ') ? value : value.slice(1));
    fc.assert(
      fc.property(fc.array(written, { maxLength: 8 }), lineEnd, fc.boolean(), cuts, (events, eol, bom, at) => {
        const field = (name: string, value: string, space: boolean): string => `${name}:${space ? ' ' : ''}${value}${eol}`;
        const stream =
          (bom ? '\ufeff' : '') +
          events
            .map((e) =>
              [
                e.comment !== undefined ? `:${e.comment}${eol}` : '',
                e.event !== undefined ? field('event', e.event, e.space) : '',
                ...e.lines.map((l) => field('data', l, e.space)),
                eol,
              ].join(''),
            )
            .join('');
        const expected = events.map((e) => ({
          data: e.lines.map((l) => asRead(l, e.space)).join('\n'),
          event: (e.event !== undefined ? asRead(e.event, e.space) : '') || 'message',
        }));
        expect(parse(cut(Buffer.from(stream, 'utf8'), at))).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('arbitrary bytes: never throws, and gives the same events in one chunk or in many', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), cuts, (bytes, at) => {
        expect(parse(cut(bytes, at))).toEqual(parse([bytes]));
      }),
      { numRuns: 1000 },
    );
  });

  it('arbitrary text made of SSE syntax: the same events however it is cut', () => {
    const piece = fc.constantFrom('data:', 'data: ', 'event:', 'id:', 'retry:', ':', '\n', '\r', '\r\n', '\ufeff', 'x', ' ', 'é', '🙂', '[DONE]', '{"a":1}');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), cuts, (pieces, at) => {
        const bytes = Buffer.from(pieces.join(''), 'utf8');
        expect(parse(cut(bytes, at))).toEqual(parse([bytes]));
      }),
      { numRuns: 1000 },
    );
  });
});
