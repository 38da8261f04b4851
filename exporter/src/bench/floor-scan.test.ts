import { describe, expect, it } from '@jest/globals';
import { answerText, FirstContentWatch, hasContent } from './floor-scan.js';

const event = (delta: object): string => `data: ${JSON.stringify({ object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`;
const ROLE = event({ role: 'assistant', content: '' });

describe('the workload floor finds the first content', () => {
  it('not in the role-only chunk, whose content is empty', () => {
    expect(hasContent(Buffer.from(ROLE))).toBe(false);
    expect(hasContent(Buffer.from(ROLE + event({ content: ' Hello' })))).toBe(true);
  });

  it('on the chunk that completes it, also when the marker is split between two reads', () => {
    const bytes = Buffer.from(ROLE + event({ content: 'Hi' }));
    const split = bytes.indexOf('"content":"H') + 5;
    const watch = new FirstContentWatch();
    expect(watch.push(bytes.subarray(0, split))).toBe(false);
    expect(watch.push(bytes.subarray(split))).toBe(true);
    expect(watch.push(Buffer.from(event({ content: ' again' })))).toBe(false);
  });

  it('not before the byte after the opening quote has arrived', () => {
    const bytes = Buffer.from(event({ content: 'x' }));
    const quote = bytes.indexOf('"content":"') + '"content":"'.length;
    const watch = new FirstContentWatch();
    expect(watch.push(bytes.subarray(0, quote))).toBe(false);
    expect(watch.push(bytes.subarray(quote))).toBe(true);
  });
});

describe('the workload floor reads the answer of a finished stream', () => {
  it('joins every content value, escapes decoded', () => {
    const body = ROLE + event({ content: 'He said "hi"' }) + event({ content: ' \\ and\nmore' }) + event({}) + 'data: [DONE]\n\n';
    expect(answerText(Buffer.from(body))).toBe('He said "hi" \\ and\nmore');
  });

  it('is empty for a stream without content', () => {
    expect(answerText(Buffer.from(ROLE + 'data: [DONE]\n\n'))).toBe('');
  });
});
