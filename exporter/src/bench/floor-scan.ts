/**
 * The workload floor's only parsing: byte searches, no SSE framing and no JSON.parse per event. The
 * first content is found on arrival by looking for `"content":"` followed by anything but a closing
 * quote (the role-only chunk carries `"content":""`); the answer, needed for the next turn, is read
 * once the stream has ended.
 */

const NEEDLE = Buffer.from('"content":"');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Whether `bytes` holds a non-empty content value. */
export function hasContent(bytes: Buffer): boolean {
  let at = bytes.indexOf(NEEDLE);
  while (at >= 0) {
    const after = at + NEEDLE.length;
    if (after < bytes.length && bytes[after] !== QUOTE) return true;
    at = bytes.indexOf(NEEDLE, after);
  }
  return false;
}

/**
 * Watches a stream's chunks for the first content, also when the marker is split between two
 * chunks: the tail of a chunk that had none is searched again with the next one.
 */
export class FirstContentWatch {
  private carry: Buffer | null = null;
  found = false;

  /** Whether this chunk completes the first content (true once, on that chunk). */
  push(chunk: Buffer): boolean {
    if (this.found) return false;
    const view = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    if (hasContent(view)) {
      this.found = true;
      this.carry = null;
      return true;
    }
    this.carry = view.subarray(Math.max(0, view.length - NEEDLE.length));
    return false;
  }
}

/** The end of the JSON string whose opening quote is at `open`: the next quote not escaped. */
function stringEnd(bytes: Buffer, open: number): number {
  let at = bytes.indexOf(QUOTE, open + 1);
  while (at > 0) {
    let slashes = 0;
    while (bytes[at - 1 - slashes] === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return at;
    at = bytes.indexOf(QUOTE, at + 1);
  }
  return -1;
}

/** Every content value of a finished stream, joined: the assistant's answer. */
export function answerText(body: Buffer): string {
  let text = '';
  let at = body.indexOf(NEEDLE);
  while (at >= 0) {
    const open = at + NEEDLE.length - 1;
    const close = stringEnd(body, open);
    if (close < 0) break;
    text += JSON.parse(body.toString('utf8', open, close + 1)) as string;
    at = body.indexOf(NEEDLE, close + 1);
  }
  return text;
}
