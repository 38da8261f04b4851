/**
 * The exporter's worker thread as it ships: the built offload-worker.js parses replica pages and
 * bootstraps intervals, answering exactly what the same calls answer in-thread, and a page over
 * the body cap is refused with its reason. (Crash, hang and heap-bound recovery are unit-tested on
 * util/worker-host.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { localOffload, workerOffload, type Offload } from '../exporter/src/runtime/offload.js';
import { vllmV1 } from '../exporter/src/test-support/replica-pages.js';

const WORKER = new URL('../exporter/dist/runtime/offload-worker.js', import.meta.url);

/** A real page with 1 MB of histogram lines the filter drops, as a busy engine's page has. */
const bigPage = vllmV1({ hits: 900, queries: 1000 }) + '# TYPE vllm:e2e_request_latency_seconds histogram\n' + 'vllm:e2e_request_latency_seconds_bucket{le="1.0",model_name="m"} 12\n'.repeat(15_000);

let server: Server;
let base: string;
let inWorker: Offload;
let inThread: Offload;
const restarts: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(req.url === '/huge' ? 'x'.repeat(2 * 1024 * 1024) : bigPage);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  inWorker = workerOffload({ script: WORKER, onRestart: (reason) => restarts.push(reason) });
  inThread = localOffload();
});

afterAll(async () => {
  await inWorker.close();
  await inThread.close();
  await new Promise((resolve) => server.close(resolve));
});

describe('the built exporter worker', () => {
  it('parses a 1 MB replica page to the same samples as the in-thread scrape', async () => {
    const request = { url: `${base}/metrics`, timeoutMs: 5000, maxBodyBytes: 2 * 1024 * 1024, family: 'engine' as const };
    const signal = new AbortController().signal;
    const [worker, thread] = await Promise.all([inWorker.scrape(request, signal), inThread.scrape(request, signal)]);
    expect(worker.ok).toBe(true);
    expect(worker).toEqual(thread);
    expect(worker.ok && worker.samples.some((s) => s.name === 'vllm:num_requests_running')).toBe(true);
  });

  it('refuses a page over the body cap with its reason', async () => {
    const result = await inWorker.scrape({ url: `${base}/huge`, timeoutMs: 5000, maxBodyBytes: 1024 * 1024, family: 'engine' }, new AbortController().signal);
    expect(result).toEqual({ ok: false, reason: 'page over 1048576 bytes (replicaScrape.maxBodyBytes)' });
  });

  it('bootstraps the same intervals as the in-thread bootstrap', async () => {
    const samples = Array.from({ length: 400 }, (_, i) => ({ conversation: i % 40, turn: 1 + Math.floor(i / 40), ttftMs: 40 + ((i * 53) % 200) }));
    const request = { samples, seed: 400, iterations: 1000 };
    const worker = await inWorker.intervals(request);
    expect(worker).toEqual(await inThread.intervals(request));
    expect(worker.p99).not.toBeNull();
    expect(restarts).toEqual([]);
  });
});
