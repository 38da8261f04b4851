/**
 * What a user of an installed kvcanary (the image, the npm package) sees over HTTP, checked one way
 * for both: /metrics, /-/ready, the comparison page at /, and conversations from both corpus kinds.
 */
import { expect } from '@jest/globals';
import { DOC_TYPES, exporterMetrics } from '@kvcanary/contract';
import type { ChildProcess } from 'node:child_process';

export async function poll(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

/** The exit code, or null when it had to be killed after `timeoutMs`. */
export function exitCode(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

export interface Output {
  stdout(): string;
  stderr(): string;
}

/** Keeps the last 100 kB of each stream. */
export function collect(child: ChildProcess): Output {
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out = (out + c.toString('utf8')).slice(-100_000)));
  child.stderr?.on('data', (c: Buffer) => (err = (err + c.toString('utf8')).slice(-100_000)));
  return { stdout: () => out, stderr: () => err };
}

/** The base URL from `kvcanary serve`'s "listening on" line. */
export async function listeningUrl(child: ChildProcess, output: Output, timeoutMs = 60_000): Promise<string> {
  const find = (): string | undefined => /listening on (http:\/\/\S+)/.exec(output.stdout())?.[1];
  await poll('the "listening on" line', async () => find() !== undefined || child.exitCode !== null, timeoutMs);
  const url = find();
  if (url === undefined) throw new Error(`kvcanary exited (${child.exitCode}) before listening\nstdout: ${output.stdout()}\nstderr: ${output.stderr()}`);
  return url;
}

/** /metrics answers, /-/ready turns 200, and / is the comparison page with its script. */
export async function expectServes(url: string, pageHtml: string): Promise<void> {
  const metrics = await fetch(`${url}/metrics`);
  expect(metrics.status).toBe(200);
  expect(await metrics.text()).toContain(exporterMetrics.buildInfo.name);

  await poll('/-/ready', async () => (await fetch(`${url}/-/ready`)).status === 200, 90_000);

  expect(await (await fetch(`${url}/`)).text()).toBe(pageHtml);
  const script = await fetch(`${url}/standalone.js`);
  expect(script.status).toBe(200);
  expect(script.headers.get('content-type')).toMatch(/javascript/);
}

/** Finished requests of every document type: the guides (TEXT) and the package's own modules (CODE). */
export async function expectBothCorpusKinds(url: string): Promise<void> {
  const ttftCount = `${exporterMetrics.ttft.name}_count`;
  const seen = async (docType: string): Promise<boolean> => {
    const text = await (await fetch(`${url}/metrics`)).text();
    return text.split('\n').some((l) => l.startsWith(ttftCount) && l.includes(`doc_type="${docType}"`));
  };
  for (const docType of DOC_TYPES) await poll(`a ${docType} request`, () => seen(docType), 120_000);
}
