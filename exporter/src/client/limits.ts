/**
 * Bounds on what a server can make the client hold for one request. A server that ignores
 * `max_tokens`, or streams forever, must end as one failed request (`stream_error`), not as an
 * exporter that runs out of memory and then meets the same server again after its restart.
 */

/**
 * Characters of answer text allowed per requested token. English text averages about 4 characters a
 * token (OpenAI, "What are tokens and how to count them",
 * https://help.openai.com/en/articles/4936856-what-are-tokens-and-how-to-count-them); code tokenizers
 * have whitespace tokens of a few dozen characters. 32 leaves room for any real answer.
 */
export const ANSWER_CHARS_PER_TOKEN = 32;

/**
 * Streamed bytes allowed per requested token. One token's event from vLLM is about 200 bytes of JSON
 * and SSE framing (`data: {"id":…,"object":"chat.completion.chunk",…,"choices":[{"delta":{"content":…}}]}`);
 * 2 KiB leaves room for longer ids, continuous usage reports and reasoning text.
 */
export const STREAM_BYTES_PER_TOKEN = 2048;

/** No stream is held to less than this, so a request for a handful of tokens still fits its framing. */
export const MIN_STREAM_BYTES = 1024 * 1024;

export interface AnswerLimits {
  /** Answer text (delta.content) kept at most; past it the request ends as stream_error. */
  maxAnswerChars: number;
  /** Response bytes received at most (headers excluded), whatever they carry. */
  maxStreamBytes: number;
}

/** The limits of a request for `maxTokens` tokens: each given override wins, the rest follow maxTokens. */
export function answerLimits(maxTokens: number, overrides: Partial<AnswerLimits> = {}): AnswerLimits {
  return {
    maxAnswerChars: overrides.maxAnswerChars ?? maxTokens * ANSWER_CHARS_PER_TOKEN,
    maxStreamBytes: overrides.maxStreamBytes ?? Math.max(MIN_STREAM_BYTES, maxTokens * STREAM_BYTES_PER_TOKEN),
  };
}
