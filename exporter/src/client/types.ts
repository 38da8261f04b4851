import type { RequestRecord } from '@kvcanary/contract/schemas';
import type { AnswerLimits } from './limits.js';

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
  /** Answer text and streamed bytes allowed; absent = derived from maxTokens (client/limits.ts). */
  limits?: Partial<AnswerLimits>;
  timeoutMs: number;
  /** Ask for usage in the stream (stream_options.include_usage). */
  includeUsage: boolean;
  signal?: AbortSignal;
}

/**
 * One request's measurement: the client's part of the contract's RequestRecord (outcome, times from
 * just before the request was written, usage, the replica header) plus the generated text, which is
 * fed back as the assistant turn and never recorded. The text is empty when the answer broke a limit
 * (limits.ts): an answer that was cut for being too long is not one to send back.
 */
export type ChatResult = Omit<RequestRecord, 'target' | 'conversation' | 'turn' | 'docType' | 'document'> & { text: string };
