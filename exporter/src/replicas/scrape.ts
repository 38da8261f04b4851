/**
 * Fetches one /metrics page with a deadline and a size cap. A slow, huge, failing or garbled
 * response is a failed scrape with a reason; nothing here throws, so one bad replica never stops
 * the others.
 */
import { request, type Dispatcher } from 'undici';
import { parseExposition, type Sample } from './exposition-parser.js';
import { errorMessage } from '../util/logger.js';

export interface ScrapeOptions {
  timeoutMs: number;
  maxBodyBytes: number;
  /** Shared connection pool, closed by its owner. */
  dispatcher?: Dispatcher;
  /** Parser filter: only the names the caller reads are kept. */
  keep?: (name: string) => boolean;
  /** Aborts the scrape early, e.g. when the monitor stops. */
  signal?: AbortSignal;
}

export type ScrapeResult = { ok: true; samples: Sample[] } | { ok: false; reason: string };

const ACCEPT = 'text/plain;version=0.0.4;q=1,*/*;q=0.1';

export async function scrapeMetrics(url: string, options: ScrapeOptions): Promise<ScrapeResult> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.timeoutMs);
  const onOuterAbort = (): void => controller.abort();
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  try {
    const text = await fetchText(url, options, controller.signal);
    if (typeof text !== 'string') return text;
    const parsed = parseExposition(text, options.keep ? { keep: options.keep } : {});
    // Like Prometheus, one malformed line fails the whole scrape: a page we cannot read fully is
    // not one whose numbers we should trust.
    if (parsed.errorCount > 0) {
      return { ok: false, reason: `malformed exposition (${parsed.errorCount} bad lines; ${parsed.errors[0] ?? ''})` };
    }
    return { ok: true, samples: parsed.samples };
  } catch (err) {
    if (timedOut) return { ok: false, reason: `timed out after ${options.timeoutMs} ms` };
    if (options.signal?.aborted) return { ok: false, reason: 'cancelled' };
    return { ok: false, reason: safeReason(err, url) };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onOuterAbort);
  }
}

/** The body as text, or a failed result; throws only on network errors and aborts. */
async function fetchText(
  url: string,
  options: ScrapeOptions,
  signal: AbortSignal,
): Promise<string | { ok: false; reason: string }> {
  const response = await request(url, {
    method: 'GET',
    headers: { accept: ACCEPT },
    signal,
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
  });
  const { body } = response;
  if (response.statusCode < 200 || response.statusCode >= 300) {
    await body.dump().catch(() => undefined);
    return { ok: false, reason: `HTTP ${response.statusCode}` };
  }
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > options.maxBodyBytes) {
    discard(body);
    return { ok: false, reason: pageOver(options.maxBodyBytes) };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > options.maxBodyBytes) {
      discard(body);
      return { ok: false, reason: pageOver(options.maxBodyBytes) };
    }
    chunks.push(buf);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  // A binary body (protobuf exposition, a gzip we did not ask for) is not text to parse.
  if (text.includes('\u0000')) return { ok: false, reason: 'binary body' };
  return text;
}

/** The reason a page is refused for its size; replicaScrape.maxBodyBytes raises the bound. */
const pageOver = (bytes: number): string => `page over ${bytes} bytes (replicaScrape.maxBodyBytes)`;

/**
 * Drops a body we will not read. undici's destroy() without an error still emits an abort error,
 * and an 'error' event with no listener would crash the process, so one is attached first.
 */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => undefined);
  body.destroy();
}

/** Network error text without the URL, which may carry credentials in its user-info part. */
function safeReason(err: unknown, url: string): string {
  const code = (err as { code?: unknown } | null)?.code;
  const message = errorMessage(err).split(url).join('<url>');
  return typeof code === 'string' ? `${code}: ${message}` : message;
}
