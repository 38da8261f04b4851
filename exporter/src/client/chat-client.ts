/**
 * The OpenAI-compatible streaming client: one undici Agent per endpoint, one ChatCall per request.
 *
 * Keep-alive off reproduces the reference tool: the Agent never reuses a connection (pipelining 0)
 * and every request says `connection: close`, so each request may reach a different pod behind a
 * Kubernetes Service. Keep-alive on reuses connections (cheaper, but a Service then pins a worker
 * to one pod).
 *
 * Secrets: header values (API keys, bearer tokens) are never put into error text; any of them that
 * a server echoes back in an error body is replaced by `[redacted]`.
 */
import { Agent } from 'undici';
import { ChatCall, describeError, httpErrorMessage } from './chat-call.js';
import { answerLimits } from './limits.js';
import type { ChatRequest, ChatResult, Endpoint } from './types.js';

export interface ChatClient {
  chat(req: ChatRequest): Promise<ChatResult>;
  /**
   * Model ids from GET {base}/models; throws an Error naming the URL when the answer is unusable.
   * The signal abandons the lookup at once (shutdown must not wait for a server that hangs).
   */
  listModels(signal?: AbortSignal): Promise<string[]>;
  /** Cancels in-flight requests (outcome `cancelled`) and closes every connection. */
  close(): Promise<void>;
}

const MODELS_TIMEOUT_MS = 10_000;
const MAX_MODELS_BODY = 4 * 1024 * 1024;

interface ParsedBase {
  origin: string;
  basePath: string;
  /** The base URL without credentials, for error messages. */
  display: string;
  basicAuth: string | undefined;
}

function parseBase(baseUrl: string): ParsedBase {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new Error(`invalid endpoint URL '${baseUrl.replace(/\/\/[^@/]*@/, '//')}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`endpoint URL must be http or https, got '${url.protocol}'`);
  }
  const basicAuth =
    url.username || url.password
      ? 'Basic ' + Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')
      : undefined;
  url.username = '';
  url.password = '';
  const basePath = url.pathname.replace(/\/+$/, '');
  return { origin: url.origin, basePath, display: url.origin + basePath, basicAuth };
}

/** Secret values to scrub: every header value, and the token part of "Bearer xyz". */
function secretsOf(headers: Record<string, string>): string[] {
  const secrets = new Set<string>();
  for (const value of Object.values(headers)) {
    const v = value.trim();
    if (v.length >= 6) secrets.add(v);
    const space = v.indexOf(' ');
    if (space > 0 && v.length - space > 6) secrets.add(v.slice(space + 1).trim());
  }
  // Longest first, so that a value containing another is scrubbed whole.
  return [...secrets].sort((a, b) => b.length - a.length);
}

function makeSanitizer(secrets: readonly string[]): (message: string) => string {
  return (message) => {
    let out = message.replace(/\s+/g, ' ').trim();
    for (const secret of secrets) out = out.split(secret).join('[redacted]');
    return out;
  };
}

export function createChatClient(endpoint: Endpoint): ChatClient {
  const base = parseBase(endpoint.baseUrl);
  const userHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(endpoint.headers ?? {})) userHeaders[name.toLowerCase()] = value;
  if (base.basicAuth && userHeaders.authorization === undefined) userHeaders.authorization = base.basicAuth;
  const sanitize = makeSanitizer(secretsOf(userHeaders));
  const replicaHeader = endpoint.replicaHeader.toLowerCase();
  const keepAlive = endpoint.keepAlive;
  const chatPath = `${base.basePath}/chat/completions`;
  // Built once: undici copies headers into the request line, so sharing the object is safe.
  const chatHeaders: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'text/event-stream',
    ...userHeaders,
  };
  const agent = new Agent({
    pipelining: keepAlive ? 1 : 0,
    keepAliveTimeout: 4_000,
    // The overall deadline is ours (ChatRequest.timeoutMs); undici's own timers would only race it.
    headersTimeout: 0,
    bodyTimeout: 0,
    connect: { rejectUnauthorized: !endpoint.insecureSkipVerify, ...(endpoint.ca ? { ca: endpoint.ca } : {}) },
  });
  const inFlight = new Set<ChatCall>();
  let closed = false;

  function chat(req: ChatRequest): Promise<ChatResult> {
    const body = JSON.stringify({
      model: req.model,
      messages: req.messages,
      max_tokens: req.maxTokens,
      stream: true,
      ...(req.includeUsage ? { stream_options: { include_usage: true } } : {}),
    });
    const call = new ChatCall({
      timeoutMs: req.timeoutMs,
      signal: req.signal,
      replicaHeader,
      sanitize,
      limits: answerLimits(req.maxTokens, req.limits),
      onSettled: (c) => inFlight.delete(c),
    });
    if (call.isSettled) return call.promise;
    if (closed) {
      call.finish('cancelled', 'client closed');
      return call.promise;
    }
    inFlight.add(call);
    try {
      agent.dispatch(
        { origin: base.origin, path: chatPath, method: 'POST', headers: chatHeaders, body, reset: !keepAlive, blocking: true },
        call,
      );
    } catch (err) {
      call.failToStart(err);
    }
    return call.promise;
  }

  async function listModels(signal?: AbortSignal): Promise<string[]> {
    const deadline = AbortSignal.timeout(MODELS_TIMEOUT_MS);
    const url = `${base.display}/models`;
    let status: number;
    let text = '';
    try {
      const res = await agent.request({
        origin: base.origin,
        path: `${base.basePath}/models`,
        method: 'GET',
        headers: { accept: 'application/json', ...userHeaders },
        reset: !keepAlive,
        signal: signal ? AbortSignal.any([deadline, signal]) : deadline,
      });
      status = res.statusCode;
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        text += chunk.toString('utf8');
        if (text.length > MAX_MODELS_BODY) throw new Error(`response larger than ${MAX_MODELS_BODY} bytes`);
      }
    } catch (err) {
      throw new Error(`cannot list models at ${url}: ${sanitize(describeError(err))}`);
    }
    if (status < 200 || status > 299) {
      throw new Error(`cannot list models at ${url}: HTTP ${status}: ${sanitize(httpErrorMessage(text)).slice(0, 300)}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error(`${url} is not an OpenAI-compatible API: the answer is not JSON`);
    }
    const data = typeof parsed === 'object' && parsed !== null ? (parsed as { data?: unknown }).data : undefined;
    if (!Array.isArray(data)) {
      throw new Error(`${url} is not an OpenAI-compatible API: expected {"data": [{"id": ...}]}`);
    }
    const ids = data.flatMap((m: unknown) =>
      typeof m === 'object' && m !== null && typeof (m as { id?: unknown }).id === 'string' ? [(m as { id: string }).id] : [],
    );
    if (ids.length === 0) throw new Error(`${url} lists no models`);
    return ids;
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    for (const call of [...inFlight]) call.finish('cancelled', 'client closed');
    await agent.destroy();
  }

  return { chat, listModels, close };
}
