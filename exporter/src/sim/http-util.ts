import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** The OpenAI error body: {error: {message, type, code}}. */
export function sendError(res: ServerResponse, status: number, message: string, type: string): void {
  sendJson(res, status, { error: { message, type, code: status } });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export class BodyError extends Error {
  override name = 'BodyError';
}

/** Read a request body, refusing more than `limit` bytes. */
export async function readBody(req: IncomingMessage, limit = 16 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyError(`request body larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Parse a JSON body; a BodyError names what is wrong. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const raw = await readBody(req);
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch (err) {
    throw new BodyError(`request body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Listen on host:port (0 = a free port) and return the port actually bound. */
export function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      if (address === null || typeof address === 'string') return reject(new Error('server has no TCP address'));
      resolve(address.port);
    });
  });
}

/** Stop accepting, end idle keep-alive sockets, cut the rest, and wait for the close. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    server.closeAllConnections();
  });
}

export function urlFor(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

/** A small route table: "METHOD /path" to handler; unknown paths are 404, known paths with another method 405. */
export function route(table: Record<string, Handler>, onError: (err: unknown, res: ServerResponse) => void): Handler {
  return async (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const handler = table[`${req.method ?? 'GET'} ${path}`];
    if (handler === undefined) {
      const known = Object.keys(table).some((k) => k.endsWith(` ${path}`));
      return known
        ? sendError(res, 405, `method ${req.method ?? ''} not allowed on ${path}`, 'MethodNotAllowed')
        : sendError(res, 404, `no route for ${req.method ?? ''} ${path}`, 'NotFoundError');
    }
    try {
      await handler(req, res);
    } catch (err) {
      onError(err, res);
    }
  };
}
