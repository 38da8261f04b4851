import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { chatRequestBody, extendHistory, messagesJson } from './request-body.js';
import type { ChatMessage } from './types.js';

/** Any content a document, an answer or a follow-up can hold: unicode, lone surrogates, quotes, controls. */
const content = fc.oneof(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), fc.string({ unit: fc.constantFrom('"', '\\', '\n', '\u0000', '\u2028', '\ud800', '</script>') }));
const message = fc.record({ role: fc.constantFrom<ChatMessage['role']>('system', 'user', 'assistant'), content });
/** A conversation as it grows: what each turn adds (one opening message, then pairs or any number). */
const turns = fc.array(fc.array(message, { maxLength: 3 }), { minLength: 1, maxLength: 8 });

/** The body as the client used to write it, and as the workload floor writes it. */
const naive = (model: string, messages: readonly ChatMessage[], maxTokens: number, includeUsage: boolean): string =>
  JSON.stringify({ model, messages, max_tokens: maxTokens, stream: true, ...(includeUsage ? { stream_options: { include_usage: true } } : {}) });

describe('chatRequestBody over an extended history', () => {
  it('is byte for byte JSON.stringify of the same request, at every turn', () => {
    fc.assert(
      fc.property(turns, content, fc.integer({ min: 1, max: 1_000_000 }), fc.boolean(), (added, model, maxTokens, includeUsage) => {
        let history: readonly ChatMessage[] = [];
        for (const turn of added) {
          history = extendHistory(history, turn);
          expect(chatRequestBody({ model, messages: history, maxTokens, includeUsage })).toBe(naive(model, history, maxTokens, includeUsage));
          expect(JSON.parse(messagesJson(history))).toEqual(history);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('serialises a plain message list, never extended, as JSON.stringify does', () => {
    fc.assert(
      fc.property(fc.array(message, { maxLength: 5 }), (messages) => {
        expect(chatRequestBody({ model: 'm', messages, maxTokens: 8, includeUsage: false })).toBe(naive('m', messages, 8, false));
      }),
    );
  });

  it('extends a list it did not build, and freezes what it returns so the kept JSON cannot go stale', () => {
    const start: ChatMessage[] = [{ role: 'user', content: 'doc "one"' }];
    const next = extendHistory(start, [{ role: 'assistant', content: 'answer\n' }]);
    start.push({ role: 'user', content: 'changed later' });
    expect(messagesJson(next)).toBe(JSON.stringify([{ role: 'user', content: 'doc "one"' }, { role: 'assistant', content: 'answer\n' }]));
    expect(Object.isFrozen(next) && next.every((m) => Object.isFrozen(m))).toBe(true);
    expect(() => (next as ChatMessage[]).push({ role: 'user', content: 'x' })).toThrow(TypeError);
  });
});
