import { describe, expect, it } from '@jest/globals';
import { FakeClock } from '../test-support/fake-clock.js';
import { GATEWAY_COSTS, Gateway, defaultGateway } from './gateway.js';

/** When each request of `bodies` (bytes, all arriving at once) is let through. */
async function passTimes(gateway: Gateway, clock: FakeClock, bodies: number[]): Promise<number[]> {
  const times: number[] = [];
  for (const bytes of bodies) void gateway.pass(bytes).then(() => times.push(clock.now()));
  await clock.advance(1000);
  return times;
}

describe('gateway costs (fake clock)', () => {
  it('holds each request for the proxy hop plus the picker work on its body', async () => {
    const clock = new FakeClock();
    const gateway = new Gateway({ proxyMs: 5, pickerMs: 2, pickerMsPerKib: 1 }, clock);
    expect(await passTimes(gateway, clock, [1024])).toEqual([8]);
  });

  it('has the picker work one request after another, the proxy hop in parallel', async () => {
    const clock = new FakeClock();
    const gateway = new Gateway({ proxyMs: 5, pickerMs: 2, pickerMsPerKib: 1 }, clock);
    // Picker work 3, 4 and 2 ms, done back to back from 0: 3, 7, 9; each then 5 ms of proxy.
    expect(await passTimes(gateway, clock, [1024, 2048, 0])).toEqual([8, 12, 14]);
  });

  it('scales its costs with the simulation time scale', async () => {
    const clock = new FakeClock();
    const gateway = new Gateway({ proxyMs: 5, pickerMs: 2, pickerMsPerKib: 1 }, clock, 0.5);
    expect(await passTimes(gateway, clock, [1024])).toEqual([4]);
  });

  it('costs nothing as a Kubernetes Service: no wait at all', async () => {
    const clock = new FakeClock();
    const gateway = new Gateway(GATEWAY_COSTS.service, clock);
    void gateway.pass(60_000);
    expect(clock.pending()).toBe(0);
  });

  it('stands in front of a prefix-aware router as llm-d\'s inference gateway, of the others as a Service', () => {
    expect(defaultGateway('prefix-aware')).toBe('inference-gateway');
    expect(defaultGateway('round-robin')).toBe('service');
    expect(defaultGateway('random')).toBe('service');
  });
});
