/** What happened to one request; the fixed set of `outcome` label values (design 4.3). */
export const OUTCOMES = [
  'success',
  'http_error',
  'timeout',
  'connect_error',
  'stream_error',
  'empty_response',
  'cancelled',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Where and how to send requests: one per target, reused for every request to it. */
export interface Endpoint {
  /** Base URL ending in /v1, e.g. http://127.0.0.1:8000/v1 */
  baseUrl: string;
  /** Extra request headers (Authorization among them); never logged. */
  headers?: Record<string, string>;
  /** Reuse connections (cheaper) or not (each request may reach a different pod, like the reference tool). */
  keepAlive: boolean;
  /** Response header naming the replica that served the request, e.g. x-inference-pod. */
  replicaHeader: string;
  /** Skip TLS verification (self-signed gateways). */
  insecureSkipVerify?: boolean;
  /** PEM CA bundle to trust instead of the system's (a gateway signed by a private CA). */
  ca?: string;
}

export interface ChatRequest {
  model: string;
  messages: readonly ChatMessage[];
  maxTokens: number;
  timeoutMs: number;
  /** Ask for usage in the stream (stream_options.include_usage). */
  includeUsage: boolean;
  signal?: AbortSignal;
}

/** One request's measurement. Times in milliseconds from just before the request was written. */
export interface ChatResult {
  outcome: Outcome;
  /** One line naming what went wrong, without secrets; absent on success. */
  error?: string;
  status?: number;
  /** Epoch milliseconds when the request started. */
  startedAt: number;
  /** To the first chunk with non-empty delta.content or delta.reasoning_content. */
  ttftMs?: number;
  /** To the end of the stream (or the failure). */
  totalMs: number;
  /** Mean gap between content chunks after the first. */
  itlMs?: number;
  promptTokens?: number;
  completionTokens?: number;
  /** usage.prompt_tokens_details.cached_tokens, when the server reports it. */
  cachedTokens?: number;
  /** Value of the replica header, when the response carried it. */
  replica?: string;
  /** The generated text, fed back as the assistant turn. */
  text: string;
}
