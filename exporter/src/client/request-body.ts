/**
 * The chat request body, built without re-serialising the history. A conversation resends its whole
 * history every turn (tens of KB of documents and answers); `extendHistory` returns the next turn's
 * messages with their JSON remembered, so each body is the previous turn's JSON plus the new
 * messages'. Histories are frozen, so the remembered JSON can never disagree with the messages; any
 * other message list is serialised as usual. Either way the body is byte for byte what
 * `JSON.stringify` writes for the same request (tested over arbitrary contents).
 */
import type { ChatMessage, ChatRequest } from './types.js';

/** A history's elements as JSON, joined by commas, without the brackets; weak, so it goes with its history. */
const remembered = new WeakMap<readonly ChatMessage[], string>();

const elementsOf = (messages: readonly ChatMessage[]): string => remembered.get(messages) ?? JSON.stringify(messages).slice(1, -1);

const frozenCopy = (m: ChatMessage): ChatMessage => Object.freeze({ ...m });

/** `previous` followed by `added`, frozen, its JSON remembered from `previous`'s. */
export function extendHistory(previous: readonly ChatMessage[], added: readonly ChatMessage[]): readonly ChatMessage[] {
  const frozen = added.map(frozenCopy);
  // A history built here is frozen already; any other list is copied, so later changes to it cannot reach us.
  const messages = Object.freeze([...(remembered.has(previous) ? previous : previous.map(frozenCopy)), ...frozen]);
  const parts = [elementsOf(previous), ...frozen.map((m) => JSON.stringify(m))].filter((p) => p !== '');
  remembered.set(messages, parts.join(','));
  return messages;
}

/** JSON.stringify of the messages, from what `extendHistory` remembered when it can. */
export function messagesJson(messages: readonly ChatMessage[]): string {
  return `[${elementsOf(messages)}]`;
}

/** The body of a streamed chat completion request. */
export function chatRequestBody(req: Pick<ChatRequest, 'model' | 'messages' | 'maxTokens' | 'includeUsage'>): string {
  const usage = req.includeUsage ? ',"stream_options":{"include_usage":true}' : '';
  return `{"model":${JSON.stringify(req.model)},"messages":${messagesJson(req.messages)},"max_tokens":${JSON.stringify(req.maxTokens)},"stream":true${usage}}`;
}
