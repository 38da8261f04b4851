import { Agent, fetch } from 'undici';
import type { ChatResult } from '../client/types.js';
import type { ProbeClient } from '../probe/types.js';
import type { Clock } from '../util/clock.js';

/**
 * A ProbeClient for engine tests against the simulator on a VirtualClock: real HTTP over loopback,
 * but TTFT and total time read on the virtual clock (the streaming client times on the host's
 * performance.now, where a discrete-event simulation takes no time). Keep-alive off, as the
 * reference tool; TTFT at the first chunk with non-empty delta.content.
 */
export function virtualTimeClient(baseUrl: string, clock: Clock): ProbeClient & { close(): Promise<void> } {
  const dispatcher = new Agent({ pipelining: 0 });
  return {
    close: () => dispatcher.close(),
    async chat(request): Promise<ChatResult> {
      const startedAt = clock.wallNow();
      const t0 = clock.now();
      const res = await fetch(`${baseUrl}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: request.model, messages: request.messages, max_tokens: request.maxTokens, stream: true, stream_options: { include_usage: true } }),
        dispatcher,
      });
      if (!res.ok || res.body === null) return { outcome: 'http_error', status: res.status, error: `HTTP ${res.status}`, startedAt, totalMs: clock.now() - t0, text: '' };
      const decoder = new TextDecoder();
      let buffer = '';
      let text = '';
      let ttftMs: number | undefined;
      let usage: { prompt_tokens: number; completion_tokens: number; prompt_tokens_details?: { cached_tokens: number } } | undefined;
      for await (const bytes of res.body) {
        buffer += decoder.decode(bytes, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const data = buffer.slice('data: '.length, end);
          buffer = buffer.slice(end + 2);
          if (data === '[DONE]') continue;
          const chunk = JSON.parse(data) as { choices: { delta?: { content?: string } }[]; usage?: typeof usage };
          const content = chunk.choices[0]?.delta?.content ?? '';
          if (content.length > 0) {
            ttftMs ??= clock.now() - t0;
            text += content;
          }
          if (chunk.usage) usage = chunk.usage;
        }
      }
      const replica = res.headers.get('x-inference-pod') ?? undefined;
      return {
        outcome: ttftMs === undefined ? 'empty_response' : 'success',
        startedAt,
        ...(ttftMs !== undefined && { ttftMs }),
        totalMs: clock.now() - t0,
        ...(usage && { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens, cachedTokens: usage.prompt_tokens_details?.cached_tokens ?? 0 }),
        ...(replica !== undefined && { replica }),
        text,
      };
    },
  };
}
