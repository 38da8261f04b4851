import { afterEach, describe, expect, it } from '@jest/globals';
import { KubeConfig } from '@kubernetes/client-node';
import { createKubernetesSource } from './discovery-kubernetes.js';
import { createStaticSource } from './discovery-static.js';
import { FakeClock } from '../test-support/fake-clock.js';
import { startLoopback, type Loopback } from '../test-support/loopback.js';
import type { Logger } from '../util/logger.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

interface PodSpec {
  name: string;
  ip?: string;
  phase?: string;
  ready?: boolean;
  deleting?: boolean;
}

function pod(p: PodSpec): object {
  return {
    metadata: { name: p.name, namespace: 'llm', ...(p.deleting ? { deletionTimestamp: '2025-01-01T00:00:00Z' } : {}) },
    status: {
      phase: p.phase ?? 'Running',
      ...(p.ip ? { podIP: p.ip } : {}),
      conditions: [
        { type: 'Initialized', status: 'True' },
        { type: 'Ready', status: p.ready === false ? 'False' : 'True' },
      ],
    },
  };
}

/** A loopback stand-in for the API server: answers the pod list call, or fails when told to. */
async function fakeApiServer(state: { pods: PodSpec[]; fail: boolean; requests: string[] }): Promise<Loopback> {
  const server = await startLoopback((req, res) => {
    state.requests.push(req.url ?? '');
    const url = new URL(req.url ?? '/', 'http://x');
    if (state.fail) {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'etcd is sad', code: 503 }));
      return;
    }
    if (req.method !== 'GET' || url.pathname !== '/api/v1/namespaces/llm/pods') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"kind":"Status","code":404}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: state.pods.map(pod) }));
  });
  cleanups.push(() => server.close());
  return server;
}

function kubeConfigFor(server: string): KubeConfig {
  const kc = new KubeConfig();
  // Plain HTTP needs skipTLSVerify in client-node v1, which otherwise insists on an https agent.
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server, skipTLSVerify: true }],
    users: [{ name: 'tester', token: 'not-a-secret' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'tester' }],
    currentContext: 'fake',
  });
  return kc;
}

function recordingLogger(): Logger & { warnings: object[] } {
  const warnings: object[] = [];
  const none = () => undefined;
  return { warnings, debug: none, info: none, error: none, warn: (obj) => warnings.push(obj) };
}

describe('createKubernetesSource', () => {
  it('lists Running and Ready pods with an IP, by label selector, as metrics URLs', async () => {
    const state = {
      fail: false,
      requests: [] as string[],
      pods: [
        { name: 'vllm-0', ip: '10.0.0.1' },
        { name: 'vllm-1', ip: '10.0.0.2', ready: false },
        { name: 'vllm-2', ip: '10.0.0.3', phase: 'Pending' },
        { name: 'vllm-3' },
        { name: 'vllm-4', ip: '10.0.0.5', deleting: true },
        { name: 'vllm-5', ip: 'fd00::5' },
      ],
    };
    const api = await fakeApiServer(state);
    const source = createKubernetesSource({
      namespace: 'llm',
      labelSelector: 'app=vllm,tier in (serve)',
      port: 8000,
      relistIntervalMs: 15_000,
      clock: new FakeClock(),
      kubeConfig: kubeConfigFor(api.url),
    });
    expect(await source.list()).toEqual([
      { name: 'vllm-0', metricsUrl: 'http://10.0.0.1:8000/metrics', namespace: 'llm' },
      { name: 'vllm-5', metricsUrl: 'http://[fd00::5]:8000/metrics', namespace: 'llm' },
    ]);
    expect(source.lastError()).toBeNull();
    const query = new URL(state.requests[0] ?? '', 'http://x').searchParams;
    expect(query.get('labelSelector')).toBe('app=vllm,tier in (serve)');
  });

  it('re-lists only after the interval', async () => {
    const state = { fail: false, requests: [] as string[], pods: [{ name: 'a', ip: '10.0.0.1' }] };
    const api = await fakeApiServer(state);
    const clock = new FakeClock();
    const source = createKubernetesSource({
      namespace: 'llm',
      labelSelector: 'app=vllm',
      port: 9000,
      path: '/custom',
      relistIntervalMs: 10_000,
      clock,
      kubeConfig: kubeConfigFor(api.url),
    });
    await source.list();
    state.pods.push({ name: 'b', ip: '10.0.0.2' });
    expect((await source.list()).map((r) => r.name)).toEqual(['a']);
    await clock.advance(10_000);
    expect(await source.list()).toEqual([
      { name: 'a', metricsUrl: 'http://10.0.0.1:9000/custom', namespace: 'llm' },
      { name: 'b', metricsUrl: 'http://10.0.0.2:9000/custom', namespace: 'llm' },
    ]);
    expect(state.requests).toHaveLength(2);
  });

  it('keeps the last known list when the API fails, reports it, and recovers', async () => {
    const state = { fail: false, requests: [] as string[], pods: [{ name: 'a', ip: '10.0.0.1' }] };
    const api = await fakeApiServer(state);
    const clock = new FakeClock();
    const logger = recordingLogger();
    const source = createKubernetesSource({
      namespace: 'llm',
      labelSelector: 'app=vllm',
      port: 8000,
      relistIntervalMs: 1000,
      clock,
      logger,
      kubeConfig: kubeConfigFor(api.url),
    });
    await source.list();
    state.fail = true;
    await clock.advance(1000);
    expect((await source.list()).map((r) => r.name)).toEqual(['a']);
    expect(source.lastError()).toBe('HTTP 503: etcd is sad');
    expect(logger.warnings).toHaveLength(1);
    expect(JSON.stringify(logger.warnings)).not.toContain('not-a-secret');
    state.fail = false;
    state.pods = [{ name: 'b', ip: '10.0.0.2' }];
    await clock.advance(1000);
    expect((await source.list()).map((r) => r.name)).toEqual(['b']);
    expect(source.lastError()).toBeNull();
  });

  it('reports an unreachable API server without throwing', async () => {
    const api = await fakeApiServer({ fail: false, requests: [], pods: [] });
    const url = api.url;
    await api.close();
    const source = createKubernetesSource({
      namespace: 'llm',
      labelSelector: 'app=vllm',
      port: 8000,
      relistIntervalMs: 1000,
      clock: new FakeClock(),
      kubeConfig: kubeConfigFor(url),
    });
    expect(await source.list()).toEqual([]);
    expect(source.lastError()).not.toBeNull();
  });
});

describe('createStaticSource', () => {
  it('names replicas host:port by default and adds /metrics to a bare base URL', async () => {
    const source = createStaticSource([
      'http://10.0.0.1:8000',
      'https://user:pw@vllm.example:8443/metrics',
      { url: 'http://vllm-2:8000/custom/metrics', name: 'second' },
    ]);
    expect(await source.list()).toEqual([
      { name: '10.0.0.1:8000', metricsUrl: 'http://10.0.0.1:8000/metrics' },
      { name: 'vllm.example:8443', metricsUrl: 'https://user:pw@vllm.example:8443/metrics' },
      { name: 'second', metricsUrl: 'http://vllm-2:8000/custom/metrics' },
    ]);
  });

  it('rejects a bad URL with a message that names it, without its credentials', () => {
    expect(() => createStaticSource(['not a url'])).toThrow('replica URL is not a valid URL: not a url');
    expect(() => createStaticSource(['ftp://u:secret@h/x'])).toThrow('replica URL must be http or https: ftp://h/x');
  });
});
