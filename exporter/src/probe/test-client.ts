import type { Outcome } from '@kvcanary/contract';
import type { ChatRequest } from '../client/types.js';
import type { ProbeClient } from './types.js';

/** A fake target for engine tests: answers after a short real delay, counts what is in flight. */
export interface FakeClient extends ProbeClient {
  requests: ChatRequest[];
  inFlight: number;
  maxInFlight: number;
}

export function fakeClient(options: { delayMs?: number; fail?: (request: ChatRequest, index: number) => Outcome | null; replica?: (index: number) => string } = {}): FakeClient {
  const client: FakeClient = {
    requests: [],
    inFlight: 0,
    maxInFlight: 0,
    async chat(request) {
      const index = client.requests.length;
      client.requests.push(request);
      client.inFlight++;
      client.maxInFlight = Math.max(client.maxInFlight, client.inFlight);
      try {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, options.delayMs ?? 2);
          request.signal?.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve();
          }, { once: true });
        });
        const base = { startedAt: Date.now(), totalMs: options.delayMs ?? 2, replica: options.replica?.(index) };
        if (request.signal?.aborted) return { ...base, outcome: 'cancelled', text: '' };
        const failure = options.fail?.(request, index) ?? null;
        if (failure) return { ...base, outcome: failure, error: `fake ${failure}`, text: '' };
        return { ...base, outcome: 'success', ttftMs: 1, text: `answer ${index}`, promptTokens: 10, completionTokens: 3 };
      } finally {
        client.inFlight--;
      }
    },
  };
  return client;
}
