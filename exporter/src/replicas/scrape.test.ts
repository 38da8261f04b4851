import { afterEach, describe, expect, it } from '@jest/globals';
import { scrapeMetrics } from './scrape.js';
import { startLoopback, type Loopback } from '../test-support/loopback.js';

const servers: Loopback[] = [];
afterEach(async () => {
  while (servers.length > 0) await servers.pop()?.close();
});

async function serve(status: number, body: string | Buffer, headers: Record<string, string> = {}): Promise<Loopback> {
  const server = await startLoopback((_req, res) => res.writeHead(status, headers).end(body));
  servers.push(server);
  return server;
}

const options = { timeoutMs: 1000, maxBodyBytes: 1024 };

describe('scrapeMetrics', () => {
  it('returns the samples of a good page', async () => {
    const server = await serve(200, 'vllm:num_requests_running{engine="0"} 2\n');
    expect(await scrapeMetrics(`${server.url}/metrics`, options)).toEqual({
      ok: true,
      samples: [{ name: 'vllm:num_requests_running', labels: { engine: '0' }, value: 2 }],
    });
  });

  it('refuses a body whose declared length is over the cap before reading it', async () => {
    const server = await serve(200, 'x'.repeat(2048), { 'content-length': '2048' });
    expect(await scrapeMetrics(server.url, options)).toEqual({ ok: false, reason: 'page over 1024 bytes (replicaScrape.maxBodyBytes)' });
  });

  it('refuses a binary body', async () => {
    const server = await serve(200, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00]));
    expect(await scrapeMetrics(server.url, options)).toEqual({ ok: false, reason: 'binary body' });
  });

  it('reports a refused connection without the URL or its credentials', async () => {
    const server = await serve(200, '');
    const url = server.url.replace('http://', 'http://user:hunter2@');
    await servers.pop()?.close();
    const result = await scrapeMetrics(`${url}/metrics`, options);
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain('hunter2');
  });

  it('stops at once when the caller aborts', async () => {
    const server = await startLoopback(() => undefined); // never answers
    servers.push(server);
    const controller = new AbortController();
    const pending = scrapeMetrics(server.url, { ...options, timeoutMs: 60_000, signal: controller.signal });
    controller.abort();
    expect(await pending).toEqual({ ok: false, reason: 'cancelled' });
  });
});
