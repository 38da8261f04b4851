/**
 * One streamed chat completion: an undici dispatch handler that feeds the body straight into the
 * byte-level SSE parser and keeps the timings.
 *
 * Why a raw dispatch handler and not `request()`/`fetch()`: those wrap the body in a stream
 * (with its own buffering, events and promises per chunk). Here each network chunk arrives as a
 * direct callback from undici's HTTP parser, the arrival time is read first thing, and it is that
 * time — not the time after any JSON work — that becomes TTFT (the client is on the measurement path:
 * README.md, "How it measures").
 *
 * Outcome rules (the contract's fixed set, OUTCOMES):
 * - connect_error: no byte of an answer came back (refused, DNS, TLS handshake, reset or closed
 *   before answering).
 * - http_error: non-2xx status; the message comes from the OpenAI error body.
 * - stream_error: bytes came back but are not a usable answer: not HTTP at all (a wrong port, a
 *   TLS port addressed as http), a 2xx response that is not an event stream, the connection dropped
 *   after the headers, a malformed event, an error event inside the stream, an answer past the
 *   limits of limits.ts (its text is dropped, never fed back), or a stream that ended cleanly but
 *   without `[DONE]` and without any `finish_reason` (a truncated stream; servers that omit `[DONE]`
 *   but finish the choice are accepted).
 * - empty_response: the stream completed but carried no content or reasoning text.
 * - timeout / cancelled: the overall deadline passed / the caller's signal fired (or close()).
 */
import type { Dispatcher } from 'undici';
import type { Outcome } from '@kvcanary/contract';
import { errorText, finishedIn, newChunkScan, parseChunk, scanChunk } from './chunk-scan.js';
import type { AnswerLimits } from './limits.js';
import { SseParser } from './sse-parser.js';
import type { ChatResult } from './types.js';

/** Bound on an error body kept for the message: enough for any real error JSON. */
const MAX_ERROR_BODY = 64 * 1024;
/** Bound on one line of error text handed to callers, logs and reports. */
const MAX_ERROR_CHARS = 300;

/** Errors that mean the server was never reached. */
const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EPROTO',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/** One scan record shared by every call: scanning is synchronous, so no two calls overlap. */
const scan = newChunkScan();

export interface CallOptions {
  timeoutMs: number;
  signal: AbortSignal | undefined;
  replicaHeader: string;
  /** Turns a raw message into one safe line (secrets redacted). */
  sanitize: (message: string) => string;
  limits: AnswerLimits;
  onSettled: (call: ChatCall) => void;
}

interface ErrorWithCode {
  code?: unknown;
  errors?: unknown;
}

/** Duck-typed, not instanceof: errors can come from another realm (jest's VM contexts). */
function isErrorLike(err: unknown): err is Error & ErrorWithCode & { cause?: unknown } {
  return typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string';
}

/** A readable one-line description of a network error, without stack or headers. */
export function describeError(err: unknown): string {
  if (!isErrorLike(err)) return String(err);
  // Node's happy-eyeballs connect throws an AggregateError with an empty message.
  if (!err.message && Array.isArray(err.errors) && isErrorLike(err.errors[0])) return describeError(err.errors[0]);
  const base = err.message || (typeof err.code === 'string' ? err.code : err.name);
  const cause = err.cause;
  return isErrorLike(cause) && cause.message && !base.includes(cause.message) ? `${base}: ${describeError(cause)}` : base;
}

function errorCode(err: unknown): string {
  if (!isErrorLike(err)) return '';
  if (typeof err.code === 'string') return err.code;
  if (Array.isArray(err.errors) && isErrorLike(err.errors[0])) return errorCode(err.errors[0]);
  return err.cause ? errorCode(err.cause) : '';
}

/** undici's HTTPParserError: the peer answered, but not in HTTP (its `code` is often unset). */
function isParserError(err: unknown): boolean {
  return isErrorLike(err) && (err.name === 'HTTPParserError' || errorCode(err).startsWith('HPE_'));
}

function isTlsError(code: string): boolean {
  return code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || code.startsWith('CERT_') ||
    code.includes('SELF_SIGNED') || code.startsWith('UNABLE_TO_') || code === 'DEPTH_ZERO_SELF_SIGNED_CERT';
}

export class ChatCall implements Dispatcher.DispatchHandler {
  readonly promise: Promise<ChatResult>;
  private resolve!: (result: ChatResult) => void;
  private readonly t0: number;
  private readonly startedAt: number;
  private controller: Dispatcher.DispatchController | undefined;
  private settled = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly parser: SseParser;

  private status: number | undefined;
  private replica: string | undefined;
  private errorBody: string | undefined;
  private chunkAt = 0;
  private ttftMs: number | undefined;
  private lastContentAt = 0;
  private gapSum = 0;
  private gaps = 0;
  private text = '';
  /** Response bytes received, headers excluded (bounded by limits.maxStreamBytes). */
  private bytes = 0;
  private sawDone = false;
  private sawFinish = false;
  /** The last event's data: its finish_reason is only read if the stream ends without [DONE]. */
  private lastData = '';
  private promptTokens: number | undefined;
  private completionTokens: number | undefined;
  private cachedTokens: number | undefined;

  constructor(private readonly opts: CallOptions) {
    this.promise = new Promise((resolve) => (this.resolve = resolve));
    // No single line may hold more than the whole stream may.
    this.parser = new SseParser((data, event) => this.onEvent(data, event), opts.limits.maxStreamBytes);
    this.startedAt = Date.now();
    this.t0 = performance.now();
    if (opts.signal?.aborted) {
      this.finish('cancelled', 'cancelled by the caller');
      return;
    }
    opts.signal?.addEventListener('abort', this.onAbort, { once: true });
    this.timer = setTimeout(this.onTimeout, opts.timeoutMs);
  }

  get isSettled(): boolean {
    return this.settled;
  }

  /** Stop now with the given outcome (timeout, cancel, close): aborts the request if it is on a socket. */
  finish(outcome: Outcome, error?: string): void {
    if (this.settled) return;
    this.settled = true;
    if (this.timer) clearTimeout(this.timer);
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    const totalMs = performance.now() - this.t0;
    if (outcome !== 'success' && this.controller && !this.controller.aborted) {
      this.controller.abort(new Error(outcome));
    }
    const result: ChatResult = { outcome, startedAt: this.startedAt, totalMs, text: this.text };
    if (error !== undefined) result.error = this.opts.sanitize(error).slice(0, MAX_ERROR_CHARS);
    if (this.status !== undefined) result.status = this.status;
    if (this.ttftMs !== undefined) result.ttftMs = this.ttftMs;
    if (this.gaps > 0) result.itlMs = this.gapSum / this.gaps;
    if (this.promptTokens !== undefined) result.promptTokens = this.promptTokens;
    if (this.completionTokens !== undefined) result.completionTokens = this.completionTokens;
    if (this.cachedTokens !== undefined) result.cachedTokens = this.cachedTokens;
    if (this.replica !== undefined) result.replica = this.replica;
    this.opts.onSettled(this);
    // Hand the result over on the next loop turn, not in this one: undici marks the connection
    // reusable in a microtask after the response ends, and a caller that sends its next request
    // at once would otherwise find every connection busy and open a new one (keep-alive wasted,
    // and connection set-up added to that request's TTFT). The figures are already fixed above.
    setImmediate(this.resolve, result);
  }

  /** The dispatch could not even be queued (e.g. the agent is closed). */
  failToStart(err: unknown): void {
    this.finish('connect_error', describeError(err));
  }

  private readonly onAbort = (): void => this.finish('cancelled', 'cancelled by the caller');
  private readonly onTimeout = (): void => this.finish('timeout', `no complete response within ${this.opts.timeoutMs} ms`);

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    // Settled while queued or connecting: undici only lets us abort once the request is on a socket.
    if (this.settled) controller.abort(new Error('request already settled'));
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    if (this.settled) return;
    this.status = statusCode;
    const replica = headers[this.opts.replicaHeader];
    if (replica !== undefined) this.replica = Array.isArray(replica) ? replica[0] : replica;
    if (statusCode < 200 || statusCode > 299) {
      this.errorBody = '';
      return;
    }
    const type = headers['content-type'];
    const contentType = (Array.isArray(type) ? type[0] : type) ?? '';
    if (!contentType.includes('text/event-stream')) {
      this.finish('stream_error', `expected a text/event-stream response, got '${contentType || 'no content-type'}'`);
    }
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    // First thing: the arrival time of these bytes is the candidate TTFT.
    this.chunkAt = performance.now();
    if (this.settled) return;
    this.bytes += chunk.length;
    if (this.bytes > this.opts.limits.maxStreamBytes) {
      this.overLimit(`response longer than ${this.opts.limits.maxStreamBytes} bytes: the server ignores max_tokens or never ends the stream`);
      return;
    }
    if (this.errorBody !== undefined) {
      if (this.errorBody.length < MAX_ERROR_BODY) this.errorBody += chunk.toString('utf8');
      return;
    }
    try {
      this.parser.push(chunk);
    } catch (err) {
      this.finish('stream_error', describeError(err));
    }
  }

  onResponseEnd(): void {
    if (this.settled) return;
    if (this.errorBody !== undefined) {
      this.finish('http_error', `HTTP ${this.status ?? '?'}: ${httpErrorMessage(this.errorBody)}`);
      return;
    }
    this.chunkAt = performance.now();
    this.parser.end();
    if (this.settled) return;
    if (!this.sawDone && !this.sawFinish && !finishedIn(this.lastData)) {
      this.finish('stream_error', 'stream ended before [DONE]');
    } else if (this.ttftMs === undefined) {
      this.finish('empty_response', 'stream completed without any content');
    } else this.finish('success');
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    if (this.settled) return;
    const code = errorCode(err);
    if (code === 'UND_ERR_DESTROYED' || code === 'UND_ERR_CLOSED') {
      this.finish('cancelled', 'client closed');
    } else if (this.status === undefined && (CONNECT_CODES.has(code) || isTlsError(code))) {
      this.finish('connect_error', describeError(err));
    } else if (this.status === undefined) {
      this.finish(isParserError(err) ? 'stream_error' : 'connect_error', describeError(err));
    } else {
      this.finish('stream_error', `connection dropped mid-stream: ${describeError(err)}`);
    }
  }

  private onEvent(data: string, event: string): void {
    if (this.settled || this.sawDone) return;
    if (event === 'error') {
      this.finish('stream_error', `server error in stream: ${safeErrorText(data)}`);
      return;
    }
    if (data === '[DONE]') {
      this.sawDone = true;
      return;
    }
    this.lastData = data;
    scanChunk(data, scan);
    let content = scan.content;
    let reasoning = scan.reasoning;
    if (scan.malformed) {
      this.finish('stream_error', 'malformed JSON in a stream event');
      return;
    }
    if (scan.needsParse) {
      let parsed;
      try {
        parsed = parseChunk(data);
      } catch {
        this.finish('stream_error', 'malformed JSON in a stream event');
        return;
      }
      if (parsed.error !== undefined) {
        this.finish('stream_error', `server error in stream: ${parsed.error}`);
        return;
      }
      if (parsed.promptTokens !== undefined) this.promptTokens = parsed.promptTokens;
      if (parsed.completionTokens !== undefined) this.completionTokens = parsed.completionTokens;
      if (parsed.cachedTokens !== undefined) this.cachedTokens = parsed.cachedTokens;
      content = parsed.content;
      reasoning = parsed.reasoning;
      if (parsed.finished) this.sawFinish = true;
    } else if (scan.finished) this.sawFinish = true;
    if (content === '' && reasoning === '') return;
    const at = this.chunkAt;
    if (this.ttftMs === undefined) this.ttftMs = at - this.t0;
    else {
      this.gapSum += at - this.lastContentAt;
      this.gaps++;
    }
    this.lastContentAt = at;
    if (content === '') return;
    if (this.text.length + content.length > this.opts.limits.maxAnswerChars) {
      this.overLimit(`answer longer than ${this.opts.limits.maxAnswerChars} characters: the server ignores max_tokens`);
      return;
    }
    this.text += content;
  }

  /** Past a limit: the answer so far is dropped (it is not one to send back) and the request fails. */
  private overLimit(error: string): void {
    this.text = '';
    this.finish('stream_error', error);
  }
}

function safeErrorText(data: string): string {
  try {
    const parsed: unknown = JSON.parse(data);
    if (typeof parsed === 'object' && parsed !== null && 'error' in parsed) return errorText(parsed.error);
    return errorText(parsed);
  } catch {
    return data;
  }
}

/** The message of an OpenAI-style error body, or its first line when it is not JSON. */
export function httpErrorMessage(body: string): string {
  const trimmed = body.trim();
  if (trimmed === '') return 'empty response body';
  try {
    const parsed: unknown = JSON.parse(trimmed);
    if (typeof parsed === 'object' && parsed !== null) {
      const rec = parsed as Record<string, unknown>;
      if (rec.error !== undefined) return errorText(rec.error);
      if (rec.message !== undefined || rec.detail !== undefined) return errorText(rec);
    }
    return trimmed;
  } catch {
    return trimmed.split(/\r?\n/, 1)[0] ?? trimmed;
  }
}
