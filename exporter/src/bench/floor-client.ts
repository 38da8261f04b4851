/**
 * The floor: the least a Node client can do and still find TTFT. Bare `node:http`, a keep-alive
 * agent, no SSE parsing — each body chunk is searched with Buffer.indexOf for a `"content":"`
 * followed by anything but a closing quote (so the role-only chunk does not count), and the time
 * is taken on arrival. Whatever error this client shows is the machine's, not a client's.
 */
import { Agent, request } from 'node:http';

export interface FloorClient {
  stream(): Promise<{ id: string; ttftMs: number } | undefined>;
  close(): void;
}

const NEEDLE = Buffer.from('"content":"');
const QUOTE = 0x22;

function firstContent(chunk: Buffer): boolean {
  let at = chunk.indexOf(NEEDLE);
  while (at >= 0) {
    const after = at + NEEDLE.length;
    if (after < chunk.length && chunk[after] !== QUOTE) return true;
    at = chunk.indexOf(NEEDLE, after);
  }
  return false;
}

export function createFloorClient(port: number, body: string): FloorClient {
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
  return {
    stream: () =>
      new Promise((resolve) => {
        const t0 = performance.now();
        const req = request({ host: '127.0.0.1', port, path: '/v1/chat/completions', method: 'POST', headers, agent }, (res) => {
          const id = res.headers['x-bench-id'];
          let ttftMs: number | undefined;
          res.on('data', (chunk: Buffer) => {
            if (ttftMs === undefined && firstContent(chunk)) ttftMs = performance.now() - t0;
          });
          res.on('end', () => resolve(typeof id === 'string' && ttftMs !== undefined ? { id, ttftMs } : undefined));
          res.on('error', () => resolve(undefined));
        });
        req.on('error', () => resolve(undefined));
        req.end(body);
      }),
    close: () => agent.destroy(),
  };
}
