import { afterEach, describe, expect, it } from '@jest/globals';
import { WorkerHost } from './worker-host.js';

/**
 * A worker speaking the host's protocol: answers a number with its double, and on words misbehaves
 * as a real worker can (throws, exits, spins forever, runs out of heap, rejects).
 */
const SCRIPT = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', ({ id, request }) => {
  if (request === 'throw') throw new Error('boom');
  if (request === 'exit') process.exit(3);
  if (request === 'spin') for (;;);
  if (request === 'hog') { const keep = []; for (;;) keep.push(new Array(1e6).fill(keep.length)); }
  if (request === 'reject') return parentPort.postMessage({ id, ok: false, error: 'bad request' });
  parentPort.postMessage({ id, ok: true, value: request * 2 });
});`;

const hosts: WorkerHost<number | string, number>[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
});

function host(options: { maxPending?: number } = {}): { host: WorkerHost<number | string, number>; restarts: string[] } {
  const restarts: string[] = [];
  const h = new WorkerHost<number | string, number>({ script: SCRIPT, eval: true, maxHeapMb: 32, maxPending: options.maxPending ?? 8, onRestart: (r) => restarts.push(r) });
  hosts.push(h);
  return { host: h, restarts };
}

describe('WorkerHost', () => {
  it('answers calls from its worker', async () => {
    const { host: h } = host();
    expect(await Promise.all([h.call(1, 5000), h.call(2, 5000), h.call(21, 5000)])).toEqual([2, 4, 42]);
    expect(h.restarts).toBe(0);
  });

  it('passes on an error the worker answers with, keeping the worker', async () => {
    const { host: h } = host();
    await expect(h.call('reject', 5000)).rejects.toThrow('bad request');
    expect(await h.call(4, 5000)).toBe(8);
    expect(h.restarts).toBe(0);
  });

  it.each([
    ['throws', 'throw', /worker failed: boom/],
    ['exits', 'exit', /worker exited with code 3/],
    ['runs out of its heap bound', 'hog', /worker (failed|exited)/],
  ])('fails the calls of a worker that %s, and serves the next call from a new one', async (_what, request, reason) => {
    const { host: h, restarts } = host();
    await expect(h.call(request, 20_000)).rejects.toThrow(reason);
    expect(await h.call(5, 5000)).toBe(10);
    expect(h.restarts).toBe(1);
    expect(restarts).toHaveLength(1);
  });

  it('replaces a worker that stops answering once a call is past its deadline', async () => {
    const { host: h, restarts } = host();
    const hung = h.call('spin', 300);
    const queuedBehind = h.call(1, 5000);
    await expect(hung).rejects.toThrow('no answer within 300 ms');
    // The hung worker's other calls fail with it; nothing waits forever.
    await expect(queuedBehind).rejects.toThrow('no answer within 300 ms');
    expect(await h.call(6, 5000)).toBe(12);
    expect(restarts).toEqual(['no answer within 300 ms']);
  });

  it('refuses a call past its bound of calls in flight instead of queueing it', async () => {
    const { host: h } = host({ maxPending: 1 });
    const first = h.call('spin', 300).catch((err: Error) => err.message);
    await expect(h.call(1, 5000)).rejects.toThrow('worker busy: 1 calls in flight');
    expect(await first).toBe('no answer within 300 ms');
  });

  it('refuses calls once closed', async () => {
    const { host: h } = host();
    expect(await h.call(1, 5000)).toBe(2);
    await h.close();
    await expect(h.call(1, 5000)).rejects.toThrow('worker host closed');
  });
});
