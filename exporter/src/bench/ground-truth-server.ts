/**
 * The ground-truth SSE server for `npm run bench`, run as a child process (forked by main.ts) so
 * that the client's CPU does not perturb its timing.
 *
 * Every response carries `x-bench-id`; for each id the server records its true TTFT: from the
 * moment it saw the request to the moment, just before the write, it sent the first chunk with
 * non-empty content. Both ends of that interval are on the server's own clock, so no clock is
 * shared between processes and no alignment error enters the figures. A client's error is then
 * its measured TTFT minus this true TTFT: everything the client adds on the way out (queueing,
 * connection, writing) and on the way back (reading, parsing, its event loop being busy).
 *
 * This module is the child's entry point: importing it starts a server. Shared names live in protocol.ts.
 *
 * The stream imitates vLLM: a role-only chunk at once, the first token after FIRST_TOKEN_MS,
 * further tokens every TOKEN_INTERVAL_MS, a usage chunk, `[DONE]`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FIRST_TOKEN_MS, TOKENS, TOKEN_INTERVAL_MS, type ParentMessage, type ServerMessage } from './protocol.js';

const CREATED = Math.floor(Date.now() / 1000);

function chunk(delta: string, finish: string): string {
  return `data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":${CREATED},"model":"bench","choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish}}]}\n\n`;
}

const ROLE = chunk('{"role":"assistant","content":""}', 'null');
const TOKEN = chunk('{"content":" token"}', 'null');
const LAST = chunk('{"content":" end."}', '"stop"');
const USAGE = `data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":${CREATED},"model":"bench","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":${TOKENS},"total_tokens":${12 + TOKENS},"prompt_tokens_details":{"cached_tokens":0}}}\n\ndata: [DONE]\n\n`;

let truth = new Map<string, number>();
let nextId = 0;

function stream(req: IncomingMessage, res: ServerResponse): void {
  const receivedAt = performance.now();
  req.resume();
  if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
    res.writeHead(404).end();
    return;
  }
  const id = String(nextId++);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-bench-id': id });
  res.write(ROLE);
  let sent = 0;
  const next = (): void => {
    if (res.destroyed) return;
    if (sent === 0) truth.set(id, performance.now() - receivedAt);
    sent++;
    if (sent < TOKENS) {
      res.write(TOKEN);
      setTimeout(next, TOKEN_INTERVAL_MS);
    } else res.end(LAST + USAGE);
  };
  setTimeout(next, FIRST_TOKEN_MS);
}

function main(): void {
  const server = createServer({ keepAliveTimeout: 120_000, noDelay: true }, stream);
  server.headersTimeout = 0;
  server.requestTimeout = 0;
  process.on('message', (msg: ParentMessage) => {
    if (msg.type === 'collect') {
      const entries = [...truth.entries()];
      truth = new Map();
      process.send?.({ type: 'truth', entries } satisfies ServerMessage);
    } else if (msg.type === 'stop') {
      server.closeAllConnections();
      server.close(() => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
  // A backlog above 1,000 so that the 1,000-stream run does not lose SYNs to an overflowing queue.
  server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => {
    process.send?.({ type: 'ready', port: (server.address() as AddressInfo).port } satisfies ServerMessage);
  });
}

main();
