import { seededRandom } from '../util/random.js';
import { CHARS_PER_TOKEN, hashString } from './block-hash.js';

export interface PromptMessage {
  role: string;
  content: string;
}

/**
 * Render chat messages into one prompt string, ChatML-style as Qwen's template does, ending with the
 * generation prompt. What matters is that the history of turn N is a string prefix of turn N+1's
 * prompt, answer included, so the cache hits exactly where a real server's would.
 */
export function renderChat(messages: readonly PromptMessage[]): string {
  let out = '';
  for (const m of messages) out += `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`;
  return `${out}<|im_start|>assistant\n`;
}

const WORDS = [
  'the', 'cache', 'model', 'token', 'prefix', 'request', 'latency', 'block', 'replica', 'router',
  'this', 'function', 'returns', 'value', 'when', 'each', 'document', 'section', 'explains', 'how',
  'data', 'flows', 'from', 'input', 'to', 'output', 'and', 'a', 'of', 'in', 'is', 'it', 'with',
  'for', 'that', 'memory', 'error', 'handling', 'loop', 'state', 'code', 'uses', 'can', 'be',
  'improved', 'by', 'caching', 'results', 'first', 'then', 'queue', 'worker', 'stream', 'server',
  'client', 'time', 'step', 'summary', 'key', 'point', 'here', 'also', 'note', 'which', 'more',
];

/**
 * The answer a replica gives to a prompt: plausible words, deterministic in (prompt, seed), so two
 * runs of the same script produce the same history and the same cache behaviour. Its natural length
 * is drawn between `minTokens` and `maxTokens`; `limit` (the request's max_tokens) cuts it short.
 * Tokens are the text cut every CHARS_PER_TOKEN characters, so an answer of N tokens counts as N
 * tokens again when the next turn sends it back, as a real tokenizer's own output does.
 */
export function generateAnswer(
  prompt: string,
  seed: number,
  opts: { minTokens: number; maxTokens: number; limit: number },
): { tokens: string[]; finishReason: 'stop' | 'length' } {
  const random = seededRandom(hashString(prompt, seed) % 4294967296);
  const natural = opts.minTokens + random.int(Math.max(1, opts.maxTokens - opts.minTokens + 1));
  const count = Math.min(natural, opts.limit);
  let text = '';
  let sentence = 0;
  while (text.length < count * CHARS_PER_TOKEN) {
    const word = random.pick(WORDS);
    if (sentence === 0) text += `${text.length === 0 ? '' : ' '}${word[0]?.toUpperCase() ?? ''}${word.slice(1)}`;
    else if (sentence > 6 && random.next() < 0.2) {
      text += random.next() < 0.3 ? '.\n\n' : '.';
      sentence = -1;
    } else text += ` ${word}`;
    sentence++;
  }
  const tokens = Array.from({ length: count }, (_, i) => text.slice(i * CHARS_PER_TOKEN, (i + 1) * CHARS_PER_TOKEN));
  return { tokens, finishReason: natural > opts.limit ? 'length' : 'stop' };
}
