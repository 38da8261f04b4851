import type { AnswerLimits } from '../client/limits.js';
import type { ChatRequest, ChatResult } from '../client/types.js';

/** What the engine needs of a client: the streaming client fits, and so does a test fake. */
export interface ProbeClient {
  chat(request: ChatRequest): Promise<ChatResult>;
}

/** A target as the engine drives it, the same for serve, bench and /probe. */
export interface EngineTarget {
  /** The `target` label; never a URL. */
  name: string;
  client: ProbeClient;
  model: string;
  maxTokens: number;
  /** Answer text and streamed bytes allowed per request; absent = derived from maxTokens. */
  limits?: Partial<AnswerLimits>;
  timeoutMs: number;
  /** Ask for usage in the stream (default); off reproduces the reference tool's requests exactly. */
  includeUsage?: boolean;
}

/**
 * completed: every turn succeeded. failed: a turn failed (the conversation goes on only when that
 * turn produced some text to feed back). cancelled: stopped by the caller. skipped: the continuous
 * engine was at its bound for that target and did not start it (the pair is missing that side).
 */
export type ConversationOutcome = 'completed' | 'failed' | 'cancelled' | 'skipped';

export interface ConversationResult {
  target: string;
  conversation: number;
  outcome: ConversationOutcome;
  turnsRun: number;
  turnsSucceeded: number;
}

/** Random pause before each turn, as a user reading the answer; milliseconds. */
export interface ThinkTime {
  minMs: number;
  maxMs: number;
}
