/**
 * The Kubernetes client (about 75 MB of RSS and over a second of CPU to load) is loaded by
 * `kvcanary serve` only for a target that discovers its replicas in Kubernetes, at its first list: a
 * sidecar probing static replicas never pays for it. Every module the built CLI resolves is logged by
 * a module-resolution hook (Node's `module.register`) passed in NODE_OPTIONS, as a user's flags would be.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServe } from './support/cli.js';
import { poll } from './support/served-exporter.js';

const CLIENT_PACKAGE = '/node_modules/@kubernetes/client-node/';

/** NODE_OPTIONS that append every resolved module URL to `log`. */
function resolutionLog(log: string): string {
  const hook = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(${JSON.stringify(log)}, resolved.url + '\\n');
  return resolved;
}`;
  const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`;
  return `--import=data:text/javascript,${encodeURIComponent(register)}`;
}

const target = (replicas: string): string =>
  [
    'targets:',
    `  - { name: prod, url: "http://127.0.0.1:9/v1", model: m, replicas: ${replicas} }`,
    'pacing: { concurrency: 1, turns: 1, maxTokens: 8, thinkTime: { min: 1s, max: 2s }, timeout: 2s, seed: 1 }',
    'replicaScrape: { interval: 1s, timeout: 1s }',
    'shutdownGrace: 1s',
  ].join('\n');

describe('kvcanary serve and the Kubernetes client', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kvcanary-k8s-client-'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function modulesResolved(name: string, replicas: string, until: (log: () => string) => Promise<void>): Promise<string> {
    const config = join(dir, `${name}.yaml`);
    const log = join(dir, `${name}.log`);
    writeFileSync(config, target(replicas));
    const exporter = await startServe([`--config=${config}`, '--web.listen-address=127.0.0.1:0'], {
      env: { NODE_OPTIONS: resolutionLog(log), KUBECONFIG: join(dir, 'no-such-kubeconfig') },
    });
    const read = (): string => (existsSync(log) ? readFileSync(log, 'utf8') : '');
    try {
      await until(read);
      return read();
    } finally {
      await exporter.stop('SIGTERM');
    }
  }

  it('never loads it for static replicas, after several replica scrapes', async () => {
    const log = await modulesResolved('static', '{ static: [{ name: r0, url: "http://127.0.0.1:9/metrics" }] }', async (read) => {
      await poll('the CLI resolving its modules', async () => read().includes('/exporter/dist/runtime/exporter.js'), 20_000);
      await new Promise((resolve) => setTimeout(resolve, 3000));
    });
    expect(log).toContain('/exporter/dist/replicas/discovery-kubernetes.js');
    expect(log.split('\n').filter((url) => url.includes(CLIENT_PACKAGE))).toEqual([]);
  });

  it('loads it for a target whose replicas are discovered in Kubernetes, at the first list', async () => {
    const log = await modulesResolved('kubernetes', '{ kubernetes: { namespace: serving, labelSelector: "app=vllm" } }', (read) =>
      poll('the Kubernetes client being loaded', async () => read().includes(CLIENT_PACKAGE), 20_000),
    );
    expect(log).toContain(CLIENT_PACKAGE);
  });
});
