import type { ProbeClient } from './types.js';

export interface WarmUpOptions {
  client: ProbeClient;
  model: string;
  /** The reference tool sends 20. */
  requests?: number;
  /** The reference tool asks for 50. */
  maxTokens?: number;
  timeoutMs: number;
  signal?: AbortSignal;
  includeUsage?: boolean;
  onRequest?(done: number, ok: boolean): void;
}

const WARM_UP_PROMPTS = [
  'Reply with one short sentence about the weather.',
  'Name three colours.',
  'Count from one to five.',
  'Say hello in one short sentence.',
];

/**
 * Short sequential requests before the clock starts, as the reference tool sends, so that
 * connection set-up, model load and compilation are not counted in the run. Not recorded.
 */
export async function warmUp(options: WarmUpOptions): Promise<{ ok: number; failed: number }> {
  const total = options.requests ?? 20;
  let ok = 0;
  for (let i = 0; i < total && !options.signal?.aborted; i++) {
    let success = false;
    try {
      const result = await options.client.chat({
        model: options.model,
        messages: [{ role: 'user', content: WARM_UP_PROMPTS[i % WARM_UP_PROMPTS.length] as string }],
        maxTokens: options.maxTokens ?? 50,
        timeoutMs: options.timeoutMs,
        includeUsage: options.includeUsage ?? true,
        signal: options.signal,
      });
      success = result.outcome === 'success';
    } catch {
      success = false; // a warm-up failure only means the run starts colder
    }
    if (success) ok++;
    options.onRequest?.(i + 1, success);
  }
  return { ok, failed: total - ok };
}
