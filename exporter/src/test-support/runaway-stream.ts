import type { ServerResponse } from 'node:http';

/** One `chat.completion.chunk` event carrying `token` as its content, as OpenAI-compatible servers stream it. */
export function tokenEvent(token: string): string {
  return `data: ${JSON.stringify({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: token }, finish_reason: null }] })}\n\n`;
}

/**
 * A server that ignores max_tokens and never ends the stream: content events carrying `token`, as
 * fast as the client reads them (writes wait for 'drain'), until the client goes away. `perWrite`
 * events go out in one write, so a stream of 1-character tokens is not limited by syscalls.
 */
export function streamForever(res: ServerResponse, token: string, perWrite = 1): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const batch = tokenEvent(token).repeat(perWrite);
  const pump = (): void => {
    while (!res.destroyed && res.write(batch));
    if (!res.destroyed) res.once('drain', pump);
  };
  pump();
}
