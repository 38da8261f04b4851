import { z } from 'zod';
import type { PromptMessage } from './text.js';

/**
 * The OpenAI wire format as vLLM speaks it: request schemas (unknown fields are accepted and
 * ignored, as vLLM does for sampling knobs a simulator has no use for) and the response shapes.
 */

const contentPart = z.object({ type: z.literal('text'), text: z.string() });
const messageSchema = z.object({
  role: z.enum(['system', 'user', 'assistant', 'developer', 'tool']),
  content: z.union([z.string(), z.array(contentPart)]).nullable().optional(),
});

const common = {
  model: z.string().min(1),
  max_tokens: z.number().int().positive().nullable().optional(),
  stream: z.boolean().nullable().optional(),
  stream_options: z.object({ include_usage: z.boolean().nullable().optional() }).nullable().optional(),
};

export const chatRequestSchema = z.object({
  ...common,
  messages: z.array(messageSchema).min(1),
  max_completion_tokens: z.number().int().positive().nullable().optional(),
});

export const completionRequestSchema = z.object({
  ...common,
  prompt: z.union([z.string(), z.array(z.string()).length(1)]),
});

export type ChatRequestBody = z.infer<typeof chatRequestSchema>;
export type CompletionRequestBody = z.infer<typeof completionRequestSchema>;

export function chatMessages(body: ChatRequestBody): PromptMessage[] {
  return body.messages.map((m) => ({
    role: m.role,
    content: typeof m.content === 'string' ? m.content : (m.content ?? []).map((p) => p.text).join(''),
  }));
}

/** One line naming the first problem zod found, with its path. */
export function describeZodError(err: z.ZodError): string {
  const issue = err.issues[0];
  if (issue === undefined) return 'invalid request body';
  const path = issue.path.length > 0 ? issue.path.join('.') : 'body';
  return `${path}: ${issue.message}`;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
}

export function usageOf(promptTokens: number, completionTokens: number, cachedTokens: number): Usage {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: cachedTokens },
  };
}

export function sseData(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

export const SSE_DONE = 'data: [DONE]\n\n';
