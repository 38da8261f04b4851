/**
 * The ground-truth server of `npm run bench`, a child process of the harness (so that no client's
 * CPU moves its timers): OpenAI-compatible `GET /v1/models` and streaming `POST /v1/chat/completions`
 * shaped like vLLM's (a role-only chunk at once, one word per content chunk, a usage chunk, `[DONE]`).
 *
 * Its own TTFT per request runs from the request's arrival (the handler) to just before the first
 * content chunk is written, both on this process's clock, so no clock is shared with a client. A
 * client's error is its TTFT minus this one at the same percentile: everything the client adds on
 * the way out (building and writing the body) and on the way back (reading, parsing, a busy event loop).
 *
 * Chunks are scheduled against the stream's start, not the previous chunk, so lateness does not
 * accumulate. Argument: the {@link StreamShape} as JSON.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TRUTH_MODEL, type FromTruthServer, type StreamShape, type ToTruthServer } from './protocol.js';

const shape = JSON.parse(process.argv[2] ?? '') as StreamShape;
const CREATED = Math.floor(Date.now() / 1000);
const WORDS = [' The', ' prefix', ' cache', ' keeps', ' earlier', ' turns', ' warm,', ' so', ' the', ' next', ' answer', ' starts', ' sooner.'];

function event(delta: string, finish: string): string {
  return `data: {"id":"chatcmpl-truth","object":"chat.completion.chunk","created":${CREATED},"model":"${TRUTH_MODEL}","choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish}}]}\n\n`;
}

const ROLE = event('{"role":"assistant","content":""}', 'null');
const CONTENT = WORDS.map((w) => event(JSON.stringify({ content: w }), 'null'));
const FINAL =
  event('{}', '"stop"') +
  `data: {"id":"chatcmpl-truth","object":"chat.completion.chunk","created":${CREATED},"model":"${TRUTH_MODEL}","choices":[],"usage":{"prompt_tokens":0,"completion_tokens":${shape.chunks},"total_tokens":${shape.chunks}}}\n\ndata: [DONE]\n\n`;
const MODELS = JSON.stringify({ object: 'list', data: [{ id: TRUTH_MODEL, object: 'model', created: CREATED, owned_by: 'kvcanary-bench' }] });

const send = (message: FromTruthServer): void => {
  process.send?.(message);
};

let phase: { warmUp: number; measured: number; hold: boolean; completed: number; truths: number[] } | null = null;
/** Responses kept unanswered after a phase with `hold` ended, until they are released. */
let held: Set<ServerResponse> | null = null;

function release(): void {
  for (const res of held ?? []) res.destroy();
  held = null;
}

/** Whether `res` is kept waiting (its client is being read and must not move on). */
function hold(res: ServerResponse): boolean {
  if (!held) return false;
  held.add(res);
  return true;
}

function completed(ttftMs: number): void {
  if (!phase) return;
  phase.completed++;
  if (phase.completed === phase.warmUp) send({ type: 'warmed-up' });
  if (phase.completed <= phase.warmUp) return;
  phase.truths.push(ttftMs);
  if (phase.truths.length === phase.measured) endPhase();
}

function endPhase(): void {
  if (phase?.hold) held = new Set();
  send({ type: 'measured', truths: phase?.truths ?? [] });
  phase = null;
}

function stream(res: ServerResponse, arrivedAt: number): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.write(ROLE);
  let sent = 0;
  let ttftMs = Number.NaN;
  const next = (): void => {
    if (res.destroyed || hold(res)) return;
    if (sent === 0) ttftMs = performance.now() - arrivedAt;
    res.write(CONTENT[sent % CONTENT.length] as string);
    sent++;
    if (sent < shape.chunks) {
      const due = arrivedAt + shape.firstTokenMs + sent * shape.chunkIntervalMs;
      setTimeout(next, Math.max(0, due - performance.now()));
    } else res.end(FINAL);
  };
  res.on('finish', () => completed(ttftMs));
  setTimeout(next, shape.firstTokenMs);
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const arrivedAt = performance.now();
  req.resume();
  if (req.method === 'GET' && req.url === '/v1/models') res.writeHead(200, { 'content-type': 'application/json' }).end(MODELS);
  else if (req.method === 'POST' && req.url === '/v1/chat/completions') {
    if (!hold(res)) stream(res, arrivedAt);
  }
  else res.writeHead(404).end();
}

const server = createServer({ keepAliveTimeout: 120_000, noDelay: true }, handle);
server.headersTimeout = 0;
server.requestTimeout = 0;
process.on('message', (message: ToTruthServer) => {
  if (message.type === 'phase') {
    release();
    phase = { warmUp: message.warmUp, measured: message.measured, hold: message.hold, completed: 0, truths: [] };
    send({ type: 'phase-set' });
  } else if (message.type === 'end-phase') endPhase();
  else if (message.type === 'release') release();
  else {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
// A backlog above 1,000 so that the 1,000-stream level does not lose connections to a full queue.
server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => send({ type: 'ready', port: (server.address() as AddressInfo).port }));
