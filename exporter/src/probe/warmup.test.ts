import { describe, expect, it } from '@jest/globals';
import { FakeClock } from '../test-support/fake-clock.js';
import { fakeClient } from '../test-support/fake-client.js';
import { warmUp } from './warmup.js';

describe('warmUp', () => {
  it('sends 20 short sequential requests with max_tokens 50, as the reference tool', async () => {
    const clock = new FakeClock();
    const client = fakeClient({ clock, delayMs: 1, fail: (_, i) => (i === 3 ? 'http_error' : null) });
    const result = await clock.settle(warmUp({ client, model: 'm', timeoutMs: 1000 }));
    expect(client.requests).toHaveLength(20);
    expect(client.maxInFlight).toBe(1);
    expect(client.requests.every((r) => r.maxTokens === 50 && r.messages.length === 1)).toBe(true);
    expect(result).toEqual({ ok: 19, failed: 1 });
  });
});
