import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseConfig } from '../config/load.js';
import type { SeedDocument } from '../corpus/types.js';
import { silentLogger } from '../util/logger.js';
import { startCluster, type Cluster } from '../sim/cluster.js';
import { startExporter, type Exporter } from './exporter.js';

const documents: SeedDocument[] = [
  { name: 'a.py', type: 'CODE', content: 'def f(x):\n    return x + 1\n'.repeat(40) },
  { name: 'b.md', type: 'TEXT', content: '# Notes\n\nSome prose about caches and routing.\n'.repeat(40) },
];

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('startExporter against a simulated cluster and a dead target', () => {
  let cluster: Cluster;
  let exporter: Exporter;

  beforeAll(async () => {
    cluster = await startCluster({ name: 'sim', replicas: 2, router: 'prefix-aware', timeScale: 0.05, answerMinTokens: 5, answerMaxTokens: 20 });
    const config = parseConfig({
      targets: [
        { name: 'sim', url: cluster.routerUrl, role: 'candidate', replicas: { static: cluster.replicas.map((r) => ({ name: r.name, url: `${r.url}/metrics` })) } },
        // Nothing listens here: measured and reported as down, never fatal.
        { name: 'dead', url: 'http://127.0.0.1:9/v1', model: 'm', role: 'baseline' },
      ],
      pacing: { concurrency: 2, turns: 3, maxTokens: 20, thinkTime: { min: '1ms', max: '5ms' }, timeout: '5s' },
      replicaScrape: { interval: '200ms', timeout: '150ms' },
    });
    exporter = startExporter({ config, secrets: { targets: new Map(), webAuth: null }, documents, seed: 1, version: 'test', logger: silentLogger });
  });

  afterAll(async () => {
    await exporter?.stop(1000);
    await cluster?.close();
  });

  it('feeds windows, metrics and readiness from every finished request', async () => {
    await until(() => exporter.view.ready().ready && (exporter.targets[0]?.window.length ?? 0) >= 12, 20_000);
    await until(async () => (await exporter.view.renderMetrics(undefined)).body.includes('kvcanary_replica_prefix_cache_hit_ratio{target="sim"'), 10_000);
    const { body } = await exporter.view.renderMetrics(undefined);
    expect(body).toMatch(/^kvcanary_target_up\{target="sim",vantage="default"\} 1$/m);
    expect(body).toMatch(/^kvcanary_target_up\{target="dead",vantage="default"\} 0$/m);
    expect(body).toMatch(/^kvcanary_requests_total\{target="dead",model="m",outcome="connect_error",vantage="default"\} [1-9]/m);
    expect(body).toMatch(/^kvcanary_conversations_total\{target="dead",outcome="connect_error",vantage="default"\} [1-9]/m);
    expect(body).toMatch(/^kvcanary_replica_probe_requests_total\{target="sim",replica="sim-[01]",vantage="default"\} [1-9]/m);
    expect(body).toMatch(/^kvcanary_ttft_window_seconds\{target="sim",quantile="0.95",vantage="default"\} /m);
    expect(body).toMatch(/^kvcanary_replica_up\{target="sim",replica="sim-1",vantage="default"\} 1$/m);
    // Every target names the workload it runs, and so does the summary the page shows.
    expect(exporter.workload).toMatch(/^[0-9a-f]{12}$/);
    expect(body).toContain(`kvcanary_target_info{target="sim",role="candidate",workload="${exporter.workload}",vantage="default"} 1`);
    expect((await exporter.summary()).workload).toBe(exporter.workload);

    const summary = await exporter.summary();
    const sim = summary.targets.find((t) => t.summary.target === 'sim');
    expect(sim?.up).toBe(true);
    expect(sim?.ci95.p50).not.toBeNull();
    expect(sim?.replicas.map((r) => r.name)).toEqual(['sim-0', 'sim-1']);
    expect(sim?.replicas.reduce((n, r) => n + r.probeRequests, 0)).toBeGreaterThan(0);
    expect(summary.targets.find((t) => t.summary.target === 'dead')?.up).toBe(false);
  });

  it("runs on-demand probes outside the continuous run, the k-th on the plan's conversation k", async () => {
    const signal = new AbortController().signal;
    const first = await exporter.view.probe('sim', { turns: 2, signal });
    expect(first.records.map((r) => [r.conversation, r.turn, r.outcome, r.document])).toEqual([
      [0, 1, 'success', 'a.py'],
      [0, 2, 'success', 'a.py'],
    ]);
    // Conversation 0 of the continuous run sent the same document and instruction, but its own
    // marker: the probe's first turn is a full prefill, its second reuses the probe's own prefix.
    expect(first.records[0]?.cachedTokens).toBe(0);
    expect(first.records[1]?.cachedTokens).toBeGreaterThan(0);
    const second = await exporter.view.probe('sim', { turns: 1, signal });
    expect(second.records.map((r) => [r.conversation, r.document])).toEqual([[1, 'b.md']]);
  });
});
