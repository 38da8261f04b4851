import type { Outcome } from '@kvcanary/contract';
import type { ChatRequest } from '../client/types.js';
import type { ProbeClient } from '../probe/types.js';
import type { Clock } from '../util/clock.js';

/** A fake target for engine tests: answers after `delayMs` on the given clock, counts what is in flight. */
export interface FakeClient extends ProbeClient {
  requests: ChatRequest[];
  inFlight: number;
  maxInFlight: number;
}

export interface FakeClientOptions {
  clock: Clock;
  delayMs?: number;
  /** An outcome makes request `index` fail with it (and no text); null lets it succeed. */
  fail?: (request: ChatRequest, index: number) => Outcome | null;
  /** The replica header's value for request `index`. */
  replica?: (index: number) => string;
}

export function fakeClient(options: FakeClientOptions): FakeClient {
  const { clock } = options;
  const delayMs = options.delayMs ?? 2;
  const client: FakeClient = {
    requests: [],
    inFlight: 0,
    maxInFlight: 0,
    async chat(request) {
      const index = client.requests.length;
      client.requests.push(request);
      client.inFlight++;
      client.maxInFlight = Math.max(client.maxInFlight, client.inFlight);
      const startedAt = clock.wallNow();
      const t0 = clock.now();
      try {
        await clock.sleep(delayMs, request.signal);
        const base = { startedAt, totalMs: clock.now() - t0, replica: options.replica?.(index) };
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
