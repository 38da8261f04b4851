/**
 * Cheap reading of one `chat.completion.chunk` event's data.
 *
 * Nearly every event of a stream is a token: `{"id":..,"choices":[{"index":0,"delta":{"content":"x"},..}]}`.
 * Running JSON.parse on each of them would build a dozen objects per token on the measurement path,
 * so a token event is read with a few `indexOf` calls: the `"content"` string (or, when that is
 * empty, `"reasoning_content"` / `"reasoning"`), and whether `"finish_reason"` is set. Events that
 * carry anything else we need — a non-null `"usage"` object, an `"error"` — or whose content value
 * does not look like a plain JSON string, are handed to JSON.parse, which stays the judge of
 * correctness there. Token events are checked for framing (`{` ... `}`) and for a well-formed
 * content string; a chunk broken elsewhere in its middle is not detected, a price paid knowingly.
 */

export interface ChunkScan {
  /** Non-empty delta.content of this event, or ''. */
  content: string;
  /** Non-empty reasoning text (only looked for when content is empty), or ''. */
  reasoning: string;
  /** finish_reason is a string in this event (not looked for in events with content: see lastData). */
  finished: boolean;
  /** The event needs a full JSON.parse (usage, error, or an unusual shape). */
  needsParse: boolean;
  /** The event is not a JSON object, or a content string is broken. */
  malformed: boolean;
}

export function newChunkScan(): ChunkScan {
  return { content: '', reasoning: '', finished: false, needsParse: false, malformed: false };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function skipSpace(s: string, i: number): number {
  let c = s.charCodeAt(i);
  while (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) c = s.charCodeAt(++i);
  return i;
}

/**
 * Position just after `"key"` + optional space + ':' + optional space, or -1 when the key never
 * appears as an object key (a value equal to the key's text is skipped over).
 */
function valueStart(s: string, key: string): number {
  let from = 0;
  for (;;) {
    const at = s.indexOf(key, from);
    if (at < 0) return -1;
    const i = skipSpace(s, at + key.length);
    if (s.charCodeAt(i) === 0x3a) return skipSpace(s, i + 1);
    from = at + key.length;
  }
}

/** Sentinel for "this string is broken": distinct from every real value. */
const BROKEN = '\u0000broken';

/** The string value at `i` (which must point at its opening quote), '' if not a string, BROKEN if unterminated. */
function readString(s: string, i: number): string {
  if (s.charCodeAt(i) !== QUOTE) return '';
  const start = i + 1;
  let j = start;
  let escaped = false;
  const n = s.length;
  while (j < n) {
    const c = s.charCodeAt(j);
    if (c === QUOTE) break;
    if (c === BACKSLASH) {
      escaped = true;
      j += 2;
    } else j++;
  }
  if (j >= n) return BROKEN;
  if (!escaped) return s.slice(start, j);
  try {
    return JSON.parse(s.slice(start - 1, j + 1)) as string;
  } catch {
    return BROKEN;
  }
}

function stringField(s: string, key: string): string {
  const at = valueStart(s, key);
  return at < 0 ? '' : readString(s, at);
}

/** Fill `out` from one event's data (reused across events so a token allocates only its text). */
export function scanChunk(data: string, out: ChunkScan): void {
  out.content = '';
  out.reasoning = '';
  out.finished = false;
  out.needsParse = false;
  out.malformed = false;
  const last = data.length - 1;
  if (data.charCodeAt(0) !== 0x7b || data.charCodeAt(last) !== 0x7d) {
    // Leading/trailing whitespace is legal JSON; let the full parser decide.
    const trimmed = data.trim();
    if (trimmed.length === data.length || trimmed.length === 0) {
      out.malformed = true;
      return;
    }
    out.needsParse = true;
    return;
  }
  // A token event (non-empty content) is settled by one search. Per token that is the whole cost;
  // usage, errors, reasoning and finish_reason are only looked for in events without content
  // (continuous usage on token events is not read: the final usage event carries the totals).
  const content = stringField(data, '"content"');
  if (content === BROKEN) {
    out.malformed = true;
    return;
  }
  if (content !== '') {
    out.content = content;
    return;
  }
  const usageAt = valueStart(data, '"usage"');
  if ((usageAt >= 0 && data.charCodeAt(usageAt) === 0x7b) || valueStart(data, '"error"') >= 0) {
    out.needsParse = true;
    return;
  }
  let reasoning = stringField(data, '"reasoning_content"');
  if (reasoning === '') reasoning = stringField(data, '"reasoning"');
  if (reasoning === BROKEN) {
    out.malformed = true;
    return;
  }
  out.reasoning = reasoning;
  out.finished = finishedIn(data);
}

/** finish_reason is a string in this event (checked per event only when it carried no content). */
export function finishedIn(data: string): boolean {
  const at = valueStart(data, '"finish_reason"');
  return at >= 0 && data.charCodeAt(at) === QUOTE;
}

/** Usage and text read from a fully parsed event. */
export interface ParsedChunk {
  content: string;
  reasoning: string;
  finished: boolean;
  error?: string;
  promptTokens?: number;
  completionTokens?: number;
  cachedTokens?: number;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** The slow path: JSON.parse and read every field we use. Throws SyntaxError on malformed JSON. */
export function parseChunk(data: string): ParsedChunk {
  const obj: unknown = JSON.parse(data);
  if (!isRecord(obj)) throw new SyntaxError('stream event is not a JSON object');
  const out: ParsedChunk = { content: '', reasoning: '', finished: false };
  if (obj.error !== undefined && obj.error !== null) out.error = errorText(obj.error);
  const choices = obj.choices;
  const choice: unknown = Array.isArray(choices) ? choices[0] : undefined;
  if (isRecord(choice)) {
    const delta = choice.delta;
    if (isRecord(delta)) {
      out.content = str(delta.content);
      out.reasoning = str(delta.reasoning_content) || str(delta.reasoning);
    }
    out.finished = typeof choice.finish_reason === 'string';
  }
  const usage = obj.usage;
  if (isRecord(usage)) {
    out.promptTokens = num(usage.prompt_tokens);
    out.completionTokens = num(usage.completion_tokens);
    const details = usage.prompt_tokens_details;
    if (isRecord(details)) out.cachedTokens = num(details.cached_tokens);
  }
  return out;
}

/** One readable line from an OpenAI-style error value: {message}, a string, or {detail}. */
export function errorText(error: unknown): string {
  if (typeof error === 'string') return error;
  if (isRecord(error)) {
    if (typeof error.message === 'string') return error.message;
    if (typeof error.detail === 'string') return error.detail;
    if (isRecord(error.error)) return errorText(error.error);
    if (typeof error.error === 'string') return error.error;
  }
  return JSON.stringify(error) ?? 'unknown error';
}
