import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startCluster, type Cluster } from './cluster.js';
import { FakeClock } from '../test-support/fake-clock.js';
import { closeServer, listen, sendJson, urlFor } from './http-util.js';
import { startReplica } from './replica.js';
import { startRouter } from './router.js';
import { chatBody, fastEngine, postJson, postSse, until } from '../test-support/sim-requests.js';

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster({ ...fastEngine(), replicas: 3, router: 'round-robin', name: 'rt', seed: 3 });
});
afterAll(() => cluster.close());

const podOf = async (content: string): Promise<string | null> => (await postSse(`${cluster.routerUrl}/chat/completions`, chatBody(content))).headers.get('x-inference-pod');
const origin = (): string => new URL(cluster.routerUrl).origin;

describe('router', () => {
  it('proxies the stream unchanged, replica header included, round-robin in turn', async () => {
    const direct = await postSse(`${cluster.replicas[0]?.url}/v1/chat/completions`, chatBody('same prompt'));
    const pods: (string | null)[] = [];
    let routed: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await postSse(`${cluster.routerUrl}/chat/completions`, chatBody('same prompt'));
      pods.push(r.headers.get('x-inference-pod'));
      if (r.headers.get('x-inference-pod') === 'rt-0') routed = r.events;
    }
    expect(pods.sort()).toEqual(['rt-0', 'rt-1', 'rt-2']);
    const strip = (events: string[]): string[] => events.map((e) => e.replace(/"id":"[^"]*","object":"[^"]*","created":\d+/, ''));
    expect(strip(routed)).toEqual(strip(direct.events));
  });

  it('switches policy at run time over HTTP and rejects unknown policies', async () => {
    const put = await postJson(`${origin()}/sim/router`, { policy: 'prefix-aware' }, 'PUT');
    expect(put.json).toEqual({ policy: 'prefix-aware' });
    expect(cluster.policy()).toBe('prefix-aware');
    const doc = 'A conversation about routers. '.repeat(100);
    const first = await podOf(doc);
    for (let turn = 1; turn < 4; turn++) expect(await podOf(`${doc} turn ${turn}`)).toBe(first);
    const bad = await postJson(`${origin()}/sim/router`, { policy: 'fastest' }, 'PUT');
    expect(bad.status).toBe(400);
    cluster.setPolicy('round-robin');
    const info = (await (await fetch(`${origin()}/sim/router`)).json()) as { policy: string };
    expect(info.policy).toBe('round-robin');
  });

  it('counts routed requests per replica and policy on its own /metrics', async () => {
    const text = await (await fetch(`${origin()}/metrics`)).text();
    expect(text).toMatch(/kvcanary_sim_router_requests_total\{replica="rt-0",policy="round-robin"\} \d+/);
    expect(text).toMatch(/kvcanary_sim_router_requests_total\{replica="rt-\d",policy="prefix-aware"\} \d+/);
    expect(text).toContain('kvcanary_sim_router_policy_info{policy="round-robin"} 1');
    expect((await fetch(`${origin()}/health`)).status).toBe(200);
  });

  it('sets faults on replicas through the router: errors are 500s from the named replica', async () => {
    const put = await postJson(`${origin()}/sim/faults?replica=rt-1`, { errorRate: 1 }, 'PUT');
    expect(put.status).toBe(200);
    const results = await Promise.all([0, 1, 2].map(() => postJson(`${cluster.routerUrl}/chat/completions`, chatBody('x', { stream: false }))));
    const failed = results.filter((r) => r.status === 500);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.headers.get('x-inference-pod')).toBe('rt-1');
    expect(failed[0]?.json).toEqual({ error: { message: expect.any(String), type: 'InternalServerError', code: 500 } });
    await postJson(`${origin()}/sim/faults`, {}, 'PUT');
    const healed = await Promise.all([0, 1, 2].map(() => postJson(`${cluster.routerUrl}/chat/completions`, chatBody('x', { stream: false }))));
    expect(healed.map((r) => r.status)).toEqual([200, 200, 200]);
    expect((await postJson(`${origin()}/sim/faults`, { errorRate: 2 }, 'PUT')).status).toBe(400);
  });

  it('a dropped connection cuts the client stream before [DONE]', async () => {
    cluster.setFaults('rt-0', { dropRate: 1 });
    const outcomes = await Promise.all([0, 1, 2].map(async () => {
      const res = await fetch(`${cluster.routerUrl}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(chatBody('drop me', { max_tokens: 16 })) });
      const pod = res.headers.get('x-inference-pod');
      try {
        const text = await res.text();
        return { pod, complete: text.endsWith('data: [DONE]\n\n') };
      } catch {
        return { pod, complete: false };
      }
    }));
    expect(outcomes.filter((o) => !o.complete).map((o) => o.pod)).toEqual(['rt-0']);
    cluster.setFaults('rt-0', {});
  });
});

describe('clusters', () => {
  it('a replica that is down gives a 502 JSON error and the router keeps serving', async () => {
    const up = await startReplica({ name: 'up-0', engine: fastEngine() });
    const gone = await startReplica({ name: 'gone-1', engine: fastEngine() });
    await gone.close();
    const router = await startRouter({ policy: 'round-robin', model: fastEngine().model, seed: 1, replicas: [up, gone] });
    try {
      const results = await Promise.all([0, 1].map(() => postJson(`${router.url}/v1/chat/completions`, chatBody('hi', { stream: false }))));
      expect(results.map((r) => r.status).sort()).toEqual([200, 502]);
      const bad = results.find((r) => r.status === 502);
      expect(bad?.json).toEqual({ error: { message: expect.stringContaining('gone-1'), type: 'BadGateway', code: 502 } });
      expect((await fetch(`${router.url}/health`)).status).toBe(200);
      const text = await (await fetch(`${router.url}/metrics`)).text();
      expect(text).toContain('kvcanary_sim_router_upstream_errors_total{replica="gone-1"} 1');
    } finally {
      await router.close();
      await up.close();
    }
  });

  it('two clusters side by side get their own ports and names', async () => {
    const a = await startCluster({ ...fastEngine(), replicas: 2, name: 'vllm', router: 'round-robin' });
    const b = await startCluster({ ...fastEngine(), replicas: 2, name: 'llm-d' });
    try {
      expect(a.replicas.map((r) => r.name)).toEqual(['vllm-0', 'vllm-1']);
      expect(b.replicas.map((r) => r.name)).toEqual(['llm-d-0', 'llm-d-1']);
      const urls = new Set([a.routerUrl, b.routerUrl, ...a.replicas.map((r) => r.url), ...b.replicas.map((r) => r.url)]);
      expect(urls.size).toBe(6);
      expect(a.routerUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
      const pa = (await postSse(`${a.routerUrl}/chat/completions`, chatBody('hi'))).headers.get('x-inference-pod');
      const pb = (await postSse(`${b.routerUrl}/chat/completions`, chatBody('hi'))).headers.get('x-inference-pod');
      expect(pa).toMatch(/^vllm-/);
      expect(pb).toMatch(/^llm-d-/);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('gateway in front of the router (fake clock)', () => {
  it('holds a request for the proxy hop and the picker work on its body before it reaches a replica', async () => {
    const clock = new FakeClock();
    const arrivals: number[] = [];
    const upstream = createServer((req, res) => {
      arrivals.push(clock.now());
      req.resume();
      req.on('end', () => sendJson(res, 200, {}));
    });
    const port = await listen(upstream, '127.0.0.1', 0);
    const router = await startRouter({
      policy: 'round-robin', model: fastEngine().model, seed: 1, clock,
      replicas: [{ name: 'r-0', url: urlFor('127.0.0.1', port) }],
      gateway: { proxyMs: 5, pickerMs: 2, pickerMsPerKib: 1 },
    });
    try {
      const body = JSON.stringify(chatBody('x'.repeat(3000), { stream: false }));
      const held = 5 + 2 + body.length / 1024;
      const response = fetch(`${router.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      await until(() => clock.pending() === 2); // the router's KV scrape, and this request at the gateway
      await clock.advance(held - 0.01);
      expect(arrivals).toEqual([]);
      await clock.advance(0.01);
      await until(() => arrivals.length === 1);
      expect(arrivals[0]).toBeCloseTo(held, 9);
      expect((await response).status).toBe(200);
    } finally {
      await router.close();
      await closeServer(upstream);
    }
  });

  it('stands as llm-d\'s inference gateway in front of a prefix-aware cluster, a Service in front of the others', async () => {
    const [pa, rr] = await Promise.all([startCluster({ ...fastEngine(), replicas: 1, router: 'prefix-aware' }), startCluster({ ...fastEngine(), replicas: 1, router: 'round-robin' })]);
    try {
      expect(pa.gateway).toBe('inference-gateway');
      expect(rr.gateway).toBe('service');
      pa.setPolicy('random');
      expect(pa.gateway).toBe('inference-gateway');
    } finally {
      await Promise.all([pa.close(), rr.close()]);
    }
  });
});
