/** One GET over loopback with bare node:http, timed from the request to the last byte of the body. */
import { get } from 'node:http';

export interface Got {
  status: number;
  body: Buffer;
  ms: number;
}

const TIMEOUT_MS = 30_000;

export function httpGet(url: string, headers: Record<string, string> = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = get(url, { headers, agent: false, timeout: TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), ms: performance.now() - t0 }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within ${TIMEOUT_MS / 1000} s`)));
    req.on('error', reject);
  });
}
