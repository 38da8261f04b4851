/**
 * Replica /metrics pages on loopback, a child process of the harness (so that serving megabytes does
 * not disturb the ground-truth server's timers): `GET /replicas/<i>/metrics` answers replica i's
 * page (replica-page.ts) padded to at least its size. Argument: the sizes in bytes as a JSON array.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { padding, replicaPage } from './replica-page.js';

const sizes = JSON.parse(process.argv[2] ?? '') as number[];
const baseSize = Buffer.byteLength(replicaPage(1));
const paddings = new Map<number, Buffer>();
for (const size of sizes) if (!paddings.has(size)) paddings.set(size, Buffer.from(padding(size - baseSize)));
const scrapes = sizes.map(() => 0);
const PATH = /^\/replicas\/(\d+)\/metrics$/;

const server = createServer((req, res) => {
  req.resume();
  const index = Number(PATH.exec(req.url ?? '')?.[1] ?? Number.NaN);
  const size = sizes[index];
  if (req.method !== 'GET' || size === undefined) {
    res.writeHead(404).end();
    return;
  }
  scrapes[index] = (scrapes[index] ?? 0) + 1;
  const body = Buffer.concat([Buffer.from(replicaPage(scrapes[index] as number)), paddings.get(size) as Buffer]);
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': body.length }).end(body);
});

process.on('disconnect', () => process.exit(0));
server.listen({ host: '127.0.0.1', port: 0, backlog: 1024 }, () => process.send?.({ type: 'ready', port: (server.address() as AddressInfo).port }));
