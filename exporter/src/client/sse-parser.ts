/**
 * Incremental Server-Sent Events parser that works on raw bytes.
 *
 * Why bytes and not strings: the probe client is on the measurement path (README.md, "How it
 * measures"), so each network chunk should cost as little as possible. Lines are found with native
 * `indexOf` on the byte buffer; only the `data:` value of a line is decoded to a string, and only
 * once. A line terminator (CR or LF) can never sit inside a multi-byte UTF-8 sequence, so decoding
 * whole lines is always safe even when a chunk boundary falls in the middle of a character.
 *
 * Follows the WHATWG event-stream rules: LF, CRLF and CR line ends (a CRLF may be split across
 * chunks), comment lines starting with ':', `event`, `id`, `retry` and multi-line `data` fields,
 * an optional single space after the colon, a leading BOM. One deliberate leniency: at end of
 * stream, complete data lines not yet followed by a blank line are dispatched (some servers omit
 * the final blank line after `data: [DONE]`); a partial last line is dropped, as the spec says.
 */

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SPACE = 0x20;
/** The UTF-8 byte order mark, which the event-stream rules let open a stream. */
const BOM = [0xef, 0xbb, 0xbf];

/** Called once per dispatched event; `event` is 'message' unless the stream named it. */
export type SseEventHandler = (data: string, event: string) => void;

export class SseLineTooLongError extends Error {
  constructor(limit: number) {
    super(`SSE line longer than ${limit} bytes`);
    this.name = 'SseLineTooLongError';
  }
}

function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

export class SseParser {
  /** Last `retry:` value the server sent, in milliseconds. */
  retryMs: number | undefined;
  /** Last `id:` value the server sent. */
  lastEventId = '';

  private data = '';
  private hasData = false;
  private eventType = '';
  /** Bytes of a line that started in an earlier chunk (copied: the caller may reuse its buffers). */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** The previous chunk ended in CR: a leading LF in the next chunk belongs to that line end. */
  private skipLf = false;
  /** Bytes of a leading BOM matched so far; BOM.length once the stream's start is settled. */
  private bomMatched = 0;

  constructor(
    private readonly onEvent: SseEventHandler,
    private readonly maxLineBytes = 16 * 1024 * 1024,
  ) {}

  /** Feed the next chunk of the body, split anywhere. Throws SseLineTooLongError past the bound. */
  push(chunk: Uint8Array): void {
    const buf = asBuffer(chunk);
    let pos = 0;
    const end = buf.length;
    if (end === 0) return;
    if (this.bomMatched < BOM.length) {
      // A BOM may only open the stream, and may arrive split over chunks like anything else.
      while (pos < end && this.bomMatched < BOM.length && buf[pos] === BOM[this.bomMatched]) {
        pos++;
        this.bomMatched++;
      }
      if (pos === end && this.bomMatched < BOM.length) return;
      if (this.bomMatched < BOM.length) {
        // Not a BOM after all: the bytes that looked like one start the first line.
        this.keepPending(Buffer.from(BOM.slice(0, this.bomMatched)), 0, this.bomMatched);
        this.bomMatched = BOM.length;
      }
    }
    if (this.skipLf) {
      this.skipLf = false;
      if (buf[pos] === LF) pos++;
    }
    if (this.pendingBytes > 0) {
      const lineEnd = nextTerminator(buf, pos);
      if (lineEnd < 0) {
        this.keepPending(buf, pos, end);
        return;
      }
      // Join only the remainder of this one line, never the whole chunk.
      this.pending.push(buf.subarray(pos, lineEnd));
      const line = Buffer.concat(this.pending, this.pendingBytes + lineEnd - pos);
      this.pending = [];
      this.pendingBytes = 0;
      this.processLine(line, 0, line.length);
      pos = this.afterTerminator(buf, lineEnd);
    }
    // The next CR is searched once and reused until passed: streams that use LF only pay one scan.
    let nextCr = buf.indexOf(CR, pos);
    while (pos < end) {
      const lf = buf.indexOf(LF, pos);
      if (nextCr >= 0 && nextCr < pos) nextCr = buf.indexOf(CR, pos);
      let lineEnd = lf;
      if (nextCr >= 0 && (lf < 0 || nextCr < lf)) lineEnd = nextCr;
      if (lineEnd < 0) {
        this.keepPending(buf, pos, end);
        return;
      }
      this.processLine(buf, pos, lineEnd);
      pos = this.afterTerminator(buf, lineEnd);
    }
  }

  /** End of stream: dispatch complete lines still waiting for their blank line; drop a partial one. */
  end(): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.dispatch();
  }

  private afterTerminator(buf: Buffer, lineEnd: number): number {
    if (buf[lineEnd] === CR) {
      if (lineEnd + 1 < buf.length) return buf[lineEnd + 1] === LF ? lineEnd + 2 : lineEnd + 1;
      this.skipLf = true;
    }
    return lineEnd + 1;
  }

  private keepPending(buf: Buffer, from: number, to: number): void {
    if (to <= from) return;
    this.pendingBytes += to - from;
    if (this.pendingBytes > this.maxLineBytes) {
      this.pending = [];
      this.pendingBytes = 0;
      throw new SseLineTooLongError(this.maxLineBytes);
    }
    this.pending.push(Buffer.from(buf.subarray(from, to)));
  }

  private processLine(buf: Buffer, start: number, end: number): void {
    if (end === start) {
      this.dispatch();
      return;
    }
    const first = buf[start];
    if (first === COLON) return; // comment, e.g. ": keep-alive"
    // Fast path for the one field that matters per token: "data:".
    if (
      first === 0x64 &&
      end - start >= 5 &&
      buf[start + 1] === 0x61 &&
      buf[start + 2] === 0x74 &&
      buf[start + 3] === 0x61 &&
      buf[start + 4] === COLON
    ) {
      let valueStart = start + 5;
      if (buf[valueStart] === SPACE) valueStart++;
      this.addData(buf.toString('utf8', valueStart, end));
      return;
    }
    let colon = buf.indexOf(COLON, start);
    if (colon < 0 || colon > end) colon = end;
    const field = buf.toString('latin1', start, colon);
    let valueStart = colon + 1;
    if (valueStart < end && buf[valueStart] === SPACE) valueStart++;
    const value = valueStart < end ? buf.toString('utf8', valueStart, end) : '';
    switch (field) {
      case 'data':
        this.addData(value);
        break;
      case 'event':
        this.eventType = value;
        break;
      case 'id':
        if (!value.includes('\u0000')) this.lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
      default:
        break; // unknown fields are ignored, as the spec says
    }
  }

  private addData(value: string): void {
    if (this.hasData) this.data += '\n' + value;
    else {
      this.data = value;
      this.hasData = true;
    }
  }

  private dispatch(): void {
    if (!this.hasData) {
      this.eventType = '';
      return;
    }
    const data = this.data;
    const event = this.eventType === '' ? 'message' : this.eventType;
    this.data = '';
    this.hasData = false;
    this.eventType = '';
    this.onEvent(data, event);
  }
}

/** Index of the next CR or LF at or after `from`, or -1. */
function nextTerminator(buf: Buffer, from: number): number {
  const lf = buf.indexOf(LF, from);
  const cr = buf.indexOf(CR, from);
  if (lf < 0) return cr;
  if (cr < 0) return lf;
  return lf < cr ? lf : cr;
}
