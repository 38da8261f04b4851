import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { createChatClient, type ChatClient } from './chat-client.js';
import type { ChatRequest, Endpoint } from './types.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

interface TestServer {
  baseUrl: string;
  connections: () => number;
  bodies: string[];
  close: () => Promise<void>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function startServer(handler: Handler): Promise<TestServer & { open: () => number }> {
  let connections = 0;
  let open = 0;
  const bodies: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      bodies.push(body);
      handler(req, res, body);
    });
  });
  server.on('connection', (socket) => {
    connections++;
    open++;
    socket.on('close', () => open--);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const close = async (): Promise<void> => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  cleanups.push(close);
  return { baseUrl: `http://127.0.0.1:${port}/v1`, connections: () => connections, open: () => open, bodies, close };
}

function client(baseUrl: string, extra: Partial<Endpoint> = {}): ChatClient {
  const c = createChatClient({ baseUrl, keepAlive: true, replicaHeader: 'x-inference-pod', ...extra });
  cleanups.push(() => c.close());
  return c;
}

const request = (extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'm',
  messages: [{ role: 'user', content: 'hi' }],
  maxTokens: 16,
  timeoutMs: 5000,
  includeUsage: true,
  ...extra,
});

const chunk = (delta: object, finish: string | null = null): string =>
  `data: ${JSON.stringify({ object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

function sseHead(res: ServerResponse, headers: Record<string, string> = {}): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', ...headers });
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits for `check` to hold, polling; fails after `limitMs` (well inside the client's 4 s keep-alive). */
async function eventually(check: () => boolean, limitMs = 2000): Promise<void> {
  for (let waited = 0; !check(); waited += 10) {
    if (waited >= limitMs) throw new Error(`condition not met within ${limitMs} ms`);
    await delay(10);
  }
}

/** A well-behaved stream: role chunk, three tokens with gaps, usage, [DONE]. */
const goodStream: Handler = async (_req, res) => {
  sseHead(res, { 'x-inference-pod': 'pod-b' });
  res.write(': keep-alive\n\n');
  res.write(chunk({ role: 'assistant', content: '' }));
  await delay(30);
  res.write(chunk({ content: 'Hel' }));
  await delay(10);
  res.write(chunk({ content: 'lo' }));
  await delay(10);
  res.write(chunk({ content: '!' }, 'stop'));
  res.write(
    `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 50, completion_tokens: 3, prompt_tokens_details: { cached_tokens: 32 } } })}\n\n`,
  );
  res.end('data: [DONE]\n\n');
};

describe('chat client over loopback HTTP', () => {
  it('measures a successful stream with usage, cached tokens and the replica header', async () => {
    const srv = await startServer(goodStream);
    const before = Date.now();
    const result = await client(srv.baseUrl).chat(request());
    const after = Date.now();
    expect(result).toMatchObject({ outcome: 'success', status: 200, text: 'Hello!', promptTokens: 50, completionTokens: 3, cachedTokens: 32, replica: 'pod-b' });
    expect(result.error).toBeUndefined();
    // The role-only chunk came at once; the first token only after 30 ms.
    expect(result.ttftMs).toBeGreaterThanOrEqual(25);
    expect(result.itlMs).toBeGreaterThan(0);
    expect(result.totalMs).toBeGreaterThanOrEqual(result.ttftMs ?? 0);
    // startedAt is epoch time (for reports), taken when the request started.
    expect(result.startedAt).toBeGreaterThanOrEqual(before);
    expect(result.startedAt).toBeLessThanOrEqual(after);
    const sent = JSON.parse(srv.bodies[0] ?? '{}') as Record<string, unknown>;
    expect(sent).toEqual({ model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 16, stream: true, stream_options: { include_usage: true } });
  });

  it('omits stream_options when usage is not asked for, and counts reasoning as the first token', async () => {
    const srv = await startServer((_req, res) => {
      sseHead(res);
      res.write(chunk({ reasoning_content: 'thinking' }));
      res.end(chunk({ content: 'ok' }, 'stop') + 'data: [DONE]\n\n');
    });
    const result = await client(srv.baseUrl).chat(request({ includeUsage: false }));
    expect(result).toMatchObject({ outcome: 'success', text: 'ok' });
    expect(result.ttftMs).toBeDefined();
    expect(JSON.parse(srv.bodies[0] ?? '{}')).not.toHaveProperty('stream_options');
  });

  it('reports http_error with the OpenAI error message, and never the API key', async () => {
    const key = 'sk-very-secret-key-123';
    const srv = await startServer((req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${String(req.headers.authorization)}\nsee docs`, type: 'auth' } }));
    });
    const result = await client(srv.baseUrl, { headers: { Authorization: `Bearer ${key}` } }).chat(request());
    expect(result.outcome).toBe('http_error');
    expect(result.status).toBe(401);
    expect(result.error).toMatch(/^HTTP 401: Incorrect API key provided/);
    expect(result.error).not.toContain(key);
    expect(result.error).not.toContain('\n');
  });

  it('reports connect_error when nothing listens, naming the problem without headers', async () => {
    const srv = await startServer(goodStream);
    await srv.close();
    const result = await client(srv.baseUrl, { headers: { authorization: 'Bearer sk-abcdefgh' } }).chat(request());
    expect(result.outcome).toBe('connect_error');
    expect(result.error).toMatch(/ECONNREFUSED/);
    expect(result.error).not.toContain('sk-abcdefgh');
  });

  it('reports stream_error when the connection drops mid-stream', async () => {
    const srv = await startServer((_req, res) => {
      sseHead(res);
      res.write(chunk({ content: 'par' }), () => setTimeout(() => res.socket?.destroy(), 20));
    });
    const result = await client(srv.baseUrl).chat(request());
    expect(result.outcome).toBe('stream_error');
    expect(result.error).toMatch(/mid-stream/);
    expect(result.text).toBe('par');
    expect(result.ttftMs).toBeDefined();
  });

  it('reports stream_error for malformed JSON, an error event, a non-SSE body and a stream cut before [DONE]', async () => {
    const bodies = [
      chunk({ content: 'a' }) + 'data: {"choices":[{"delta":{"content":"b\n\ndata: [DONE]\n\n',
      chunk({ content: 'a' }) + 'data: {"error":{"message":"engine died"}}\n\n',
      chunk({ content: 'a' }),
    ];
    const srv = await startServer((req, res) => {
      const i = srv.bodies.length - 1;
      if (i === 3) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"choices":[{"message":{"content":"x"}}]}');
        return;
      }
      sseHead(res);
      res.end(bodies[i]);
    });
    const c = client(srv.baseUrl);
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await c.chat(request()));
    expect(results.map((r) => r.outcome)).toEqual(['stream_error', 'stream_error', 'stream_error', 'stream_error']);
    expect(results[0]?.error).toMatch(/malformed JSON/);
    expect(results[1]?.error).toMatch(/engine died/);
    expect(results[2]?.error).toMatch(/before \[DONE\]/);
    expect(results[3]?.error).toMatch(/text\/event-stream/);
  });

  it('reports stream_error when the peer answers, but not in HTTP (a wrong port)', async () => {
    const tcp = createTcpServer((socket) => socket.once('data', () => socket.end('SSH-2.0-OpenSSH_9.6\r\n')));
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => tcp.close(() => r())));
    const result = await client(`http://127.0.0.1:${(tcp.address() as AddressInfo).port}/v1`).chat(request());
    expect(result.outcome).toBe('stream_error');
    expect(result.error).toMatch(/does not match the HTTP\/1.1 protocol/);
  });

  it.each([
    ['keep-alive', true],
    ['a connection per request', false],
  ])('a cancelled or timed-out request leaves no connection open (%s)', async (_name, keepAlive) => {
    const srv = await startServer((_req, res) => {
      sseHead(res);
      res.write(chunk({ content: 'x' }));
    });
    const c = client(srv.baseUrl, { keepAlive });
    const controller = new AbortController();
    const cancelled = c.chat(request({ signal: controller.signal }));
    await eventually(() => srv.open() === 1);
    controller.abort();
    expect((await cancelled).outcome).toBe('cancelled');
    await eventually(() => srv.open() === 0);
    expect((await c.chat(request({ timeoutMs: 100 }))).outcome).toBe('timeout');
    await eventually(() => srv.open() === 0);
  });

  it('accepts a stream that finishes its choice but omits [DONE]', async () => {
    const srv = await startServer((_req, res) => {
      sseHead(res);
      res.end(chunk({ content: 'a' }, 'stop'));
    });
    expect((await client(srv.baseUrl).chat(request())).outcome).toBe('success');
  });

  it('reports empty_response for a stream with no content', async () => {
    const srv = await startServer((_req, res) => {
      sseHead(res);
      res.end(chunk({ role: 'assistant', content: '' }) + chunk({}, 'stop') + 'data: [DONE]\n\n');
    });
    const result = await client(srv.baseUrl).chat(request());
    expect(result.outcome).toBe('empty_response');
    expect(result.ttftMs).toBeUndefined();
  });

  it('times out on the overall deadline, keeping what arrived', async () => {
    const srv = await startServer((_req, res) => {
      sseHead(res);
      res.write(chunk({ content: 'slow' })); // then nothing
    });
    const result = await client(srv.baseUrl).chat(request({ timeoutMs: 150 }));
    expect(result.outcome).toBe('timeout');
    expect(result.text).toBe('slow');
    // Not before the deadline (timers may fire a millisecond early against performance.now()).
    expect(result.totalMs).toBeGreaterThanOrEqual(140);
  });

  it('is cancelled by the caller signal, before or during the request', async () => {
    const srv = await startServer((_req, res) => {
      sseHead(res);
      res.write(chunk({ content: 'x' }));
    });
    const c = client(srv.baseUrl);
    const controller = new AbortController();
    const pending = c.chat(request({ signal: controller.signal }));
    setTimeout(() => controller.abort(), 50);
    expect((await pending).outcome).toBe('cancelled');
    expect((await c.chat(request({ signal: AbortSignal.abort() }))).outcome).toBe('cancelled');
  });

  it('close() cancels in-flight requests', async () => {
    const srv = await startServer((_req, res) => {
      sseHead(res);
      res.write(chunk({ content: 'x' }));
    });
    const c = createChatClient({ baseUrl: srv.baseUrl, keepAlive: true, replicaHeader: 'x-inference-pod' });
    const pending = c.chat(request());
    await delay(50);
    await c.close();
    expect((await pending).outcome).toBe('cancelled');
    expect((await c.chat(request())).outcome).toBe('cancelled');
  });

  it.each([
    [true, 1],
    [false, 3],
  ])('keepAlive %s uses %i connection(s) for three sequential requests', async (keepAlive, expected) => {
    const srv = await startServer(goodStream);
    const c = client(srv.baseUrl, { keepAlive });
    for (let i = 0; i < 3; i++) {
      expect((await c.chat(request())).outcome).toBe('success');
      // A short think time between turns, as the probe engine has.
      await delay(5);
    }
    expect(srv.connections()).toBe(expected);
  });
});

describe('listModels', () => {
  it('returns the model ids', async () => {
    const srv = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: [{ id: 'qwen' }, { id: 'llama' }] }));
    });
    expect(await client(srv.baseUrl).listModels()).toEqual(['qwen', 'llama']);
  });

  it('throws an error naming the URL when the server is not OpenAI-compatible', async () => {
    const srv = await startServer((_req, res) => res.end('<html>hello</html>'));
    await expect(client(srv.baseUrl).listModels()).rejects.toThrow(`${srv.baseUrl}/models is not an OpenAI-compatible API`);
  });

  it('throws an error naming the URL on HTTP errors and when nothing answers', async () => {
    const srv = await startServer((_req, res) => {
      res.writeHead(404);
      res.end('not found');
    });
    await expect(client(srv.baseUrl).listModels()).rejects.toThrow(`cannot list models at ${srv.baseUrl}/models: HTTP 404: not found`);
    await srv.close();
    await expect(client(srv.baseUrl).listModels()).rejects.toThrow(/cannot list models at .*ECONNREFUSED/);
  });

  it('gives up at once when its signal fires, however long the server would hang', async () => {
    const srv = await startServer(() => undefined);
    const stop = new AbortController();
    const lookup = client(srv.baseUrl).listModels(stop.signal);
    await eventually(() => srv.bodies.length === 1);
    stop.abort();
    await expect(lookup).rejects.toThrow(/cannot list models at .*abort/i);
  });
});
