import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { streamForever, tokenEvent } from '../../exporter/src/test-support/runaway-stream.js';

/**
 * An OpenAI-compatible target on loopback whose behaviour is switched at run time: healthy, or one
 * of the ways a server, a proxy or a wrong address breaks a canary request. It also serves a
 * replica /metrics page (healthy, garbled or out of range) and a GET /models that can fail, and
 * keeps every connection that served a chat request, so a test can check each one was closed.
 */
export const CHAT_FAULTS = {
  http_500: (_req, res) => json(res, 500, { error: { message: 'injected: internal server error' } }),
  // Echoes the credentials, as some gateways do: the exporter must redact them everywhere.
  http_401: (req, res) => json(res, 401, { error: { message: `injected: invalid api key ${String(req.headers.authorization)}` } }),
  reset_before_answer: (req) => req.socket.destroy(),
  not_http: (req) => req.socket.end('SSH-2.0-OpenSSH_9.6\r\n'),
  stall_before_headers: () => undefined,
  stall_mid_stream: (_req, res) => {
    sse(res);
    res.write(tokenEvent('partial'));
  },
  drop_mid_stream: (_req, res) => {
    sse(res);
    res.write(tokenEvent('partial'), () => res.socket?.destroy());
  },
  malformed_event: (_req, res) => {
    sse(res);
    res.end(`${tokenEvent('a')}data: {"choices":[{"delta":{"content":"b\n\ndata: [DONE]\n\n`);
  },
  error_event: (_req, res) => {
    sse(res);
    res.end(`${tokenEvent('a')}data: {"error":{"message":"injected: engine died"}}\n\n`);
  },
  not_event_stream: (_req, res) => json(res, 200, { choices: [{ message: { content: 'x' } }] }),
  cut_before_done: (_req, res) => {
    sse(res);
    res.end(tokenEvent('a'));
  },
  empty_answer: (_req, res) => {
    sse(res);
    res.end(`data: {"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}\n\n${finish}data: [DONE]\n\n`);
  },
  endless_64k_tokens: (_req, res) => streamForever(res, 'x'.repeat(64 * 1024)),
  endless_1_char_tokens: (_req, res) => streamForever(res, 'y', 2000),
  endless_line: (_req, res) => {
    sse(res);
    res.write('data: ');
    const pump = (): void => {
      while (!res.destroyed && res.write('z'.repeat(64 * 1024)));
      if (!res.destroyed) res.once('drain', pump);
    };
    pump();
  },
} satisfies Record<string, (req: IncomingMessage, res: ServerResponse) => void>;
export type ChatFault = keyof typeof CHAT_FAULTS;

export type ModelsMode = 'ok' | 'http_404' | 'http_401' | 'not_json';
export type ReplicaPage = 'ok' | 'garbled' | 'kv_out_of_range';

const finish = 'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n';

function sse(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'x-inference-pod': 'pod-0' });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function healthyChat(_req: IncomingMessage, res: ServerResponse): void {
  sse(res);
  res.end(`${tokenEvent('fine')}${finish}data: [DONE]\n\n`);
}

function replicaPage(page: ReplicaPage, queries: number): string {
  if (page === 'garbled') return '<html><body>502 Bad Gateway</body></html>\n';
  const kv = page === 'kv_out_of_range' ? 1.7 : 0.25;
  return [
    '# TYPE vllm:kv_cache_usage_perc gauge',
    `vllm:kv_cache_usage_perc{engine="0",model_name="m"} ${kv}`,
    '# TYPE vllm:num_requests_running gauge',
    'vllm:num_requests_running{engine="0",model_name="m"} 1',
    '# TYPE vllm:num_requests_waiting gauge',
    'vllm:num_requests_waiting{engine="0",model_name="m"} 0',
    '# TYPE vllm:prefix_cache_queries_total counter',
    `vllm:prefix_cache_queries_total{engine="0",model_name="m"} ${queries}`,
    '# TYPE vllm:prefix_cache_hits_total counter',
    `vllm:prefix_cache_hits_total{engine="0",model_name="m"} ${queries / 2}`,
    '',
  ].join('\n');
}

export interface FaultTarget {
  /** http://127.0.0.1:PORT; the API is under /v1, the replica page at /metrics. */
  url: string;
  chat: ChatFault | 'healthy';
  models: ModelsMode;
  page: ReplicaPage;
  /** Connections that served a chat request while `chat` was the given fault, and whether each is closed. */
  socketsOf(fault: ChatFault): { total: number; open: number };
  close(): Promise<void>;
}

/** `port` 0 picks a free one; a fixed port lets a test bring up a target where nothing listened before. */
export async function startFaultTarget(port = 0): Promise<FaultTarget> {
  const sockets = new Map<ChatFault, Set<Socket>>();
  let queries = 0;
  const target: FaultTarget = {
    url: '',
    chat: 'healthy',
    models: 'ok',
    page: 'ok',
    socketsOf: (fault) => {
      const seen = [...(sockets.get(fault) ?? [])];
      return { total: seen.length, open: seen.filter((s) => !s.destroyed).length };
    },
    close: async () => undefined,
  };
  const server = createServer((req, res) => {
    const path = req.url ?? '';
    if (path === '/metrics') {
      queries += 100;
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(replicaPage(target.page, queries));
      return;
    }
    if (path === '/v1/models') {
      if (target.models === 'ok') return json(res, 200, { data: [{ id: 'm' }] });
      if (target.models === 'not_json') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
      return json(res, target.models === 'http_404' ? 404 : 401, { error: { message: `injected: models ${target.models}` } });
    }
    // The body is read in full first, as a real server does before it answers.
    req.resume();
    req.on('end', () => {
      const fault = target.chat;
      if (fault === 'healthy') return healthyChat(req, res);
      const seen = sockets.get(fault) ?? new Set<Socket>();
      seen.add(req.socket);
      sockets.set(fault, seen);
      CHAT_FAULTS[fault](req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  target.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  target.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return target;
}
