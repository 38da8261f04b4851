import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createChatClient } from './chat-client.js';

// A gateway behind a private CA: a self-signed certificate for 127.0.0.1, made by openssl per run.
let dir: string;
let cert: string;
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kvcanary-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end('data: {"choices":[{"delta":{"content":"hi"}}]}\n\ndata: {"choices":[{"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const request = { model: 'm', messages: [{ role: 'user' as const, content: 'hello' }], maxTokens: 8, timeoutMs: 5000, includeUsage: false };

describe('TLS to a gateway signed by a private CA', () => {
  it('refuses the certificate when the CA is not trusted', async () => {
    const client = createChatClient({ baseUrl, keepAlive: false, replicaHeader: 'x-inference-pod' });
    const result = await client.chat(request);
    await client.close();
    expect(result.outcome).toBe('connect_error');
  });

  it('streams once the CA bundle (tls.caFile) is given', async () => {
    const client = createChatClient({ baseUrl, keepAlive: false, replicaHeader: 'x-inference-pod', ca: cert });
    const result = await client.chat(request);
    await client.close();
    expect(result.outcome).toBe('success');
    expect(result.text).toBe('hi');
  });
});
