import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAST_EMBEDDED_CONFIG, runCli, startServe, type RunningCli } from './support/cli.js';
import { startPrometheus, type RunningPrometheus, type VectorSample } from './support/prometheus.js';
import { findTool } from './support/tools.js';

/**
 * The exporter against the embedded simulated clusters (sped up), scraped by a real Prometheus:
 * the prefix-aware target (llm-d) must come out ahead of round-robin (vllm) in PromQL, exactly as
 * the dashboards and alert rules will read it.
 */
const prometheus = findTool('prometheus', 'apt-get install prometheus');
const promtool = findTool('promtool', 'apt-get install prometheus');
const run = prometheus && promtool ? describe : describe.skip;

const byTarget = (samples: VectorSample[]): Record<string, number> => Object.fromEntries(samples.map((s) => [s.metric.target, s.value]));

run('exporter + real Prometheus', () => {
  let dir: string;
  let exporter: RunningCli;
  let prom: RunningPrometheus;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kvcanary-e2e-'));
    writeFileSync(join(dir, 'kvcanary.yaml'), FAST_EMBEDDED_CONFIG);
    exporter = await startServe([`--config=${join(dir, 'kvcanary.yaml')}`, '--web.listen-address=127.0.0.1:0']);
    prom = await startPrometheus({
      binary: prometheus as string,
      targets: [{ job: 'kvcanary', address: new URL(exporter.url).host }],
      scrapeInterval: '1s',
      features: ['exemplar-storage'],
    });
  });

  afterAll(async () => {
    await prom?.stop();
    const code = await exporter?.stop('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
    // Graceful shutdown is part of the contract: SIGTERM exits 0.
    expect(code).toBe(0);
  });

  it('Prometheus scrapes it (OpenMetrics) and sees llm-d ahead of vllm', async () => {
    await prom.waitFor(async () => (await prom.query('up{job="kvcanary"} == 1')).length === 1, 20_000);

    // Both targets have enough requests in the last minute for a stable P95.
    const p95Query = 'histogram_quantile(0.95, sum by (le, target) (rate(kvcanary_ttft_seconds_bucket[1m])))';
    const p95 = await prom.waitFor(async () => {
      const counts = byTarget(await prom.query('sum by (target) (increase(kvcanary_requests_total{outcome="success"}[1m]))'));
      if (!((counts.vllm ?? 0) >= 100 && (counts['llm-d'] ?? 0) >= 100)) return null;
      const q = byTarget(await prom.query(p95Query));
      return q.vllm !== undefined && q['llm-d'] !== undefined && Number.isFinite(q.vllm) ? q : null;
    }, 150_000, 2000);
    const speedup = byTarget(await prom.query('kvcanary_cache_speedup_ratio'));
    process.stderr.write(`P95 TTFT (histogram): ${JSON.stringify(p95)}; cache speedup (window): ${JSON.stringify(speedup)}\n`);
    expect(p95['llm-d']).toBeLessThan(p95.vllm as number);
    expect(speedup['llm-d']).toBeGreaterThan(speedup.vllm as number);
    expect(speedup['llm-d']).toBeGreaterThan(1.5);

    // Roles are visible to PromQL, and every replica of both clusters is scraped and up.
    expect(await prom.query('kvcanary_target_info{role="candidate"}')).toEqual([expect.objectContaining({ metric: expect.objectContaining({ target: 'llm-d' }) })]);
    expect(byTarget(await prom.query('sum by (target) (kvcanary_replica_up)'))).toEqual({ vllm: 4, 'llm-d': 4 });
    const affinity = byTarget(await prom.query('kvcanary_turn_affinity_ratio'));
    expect(affinity['llm-d']).toBeGreaterThan(affinity.vllm as number);
    expect((await prom.query('kvcanary_replica_gpu_utilization_ratio')).length).toBe(8);

    // OpenMetrics was negotiated: TTFT observations carry their conversation as an exemplar.
    const end = Date.now() / 1000;
    const exemplars = await prom.api<{ exemplars: { labels: Record<string, string> }[] }[]>(
      `/api/v1/query_exemplars?query=${encodeURIComponent('kvcanary_ttft_seconds_bucket')}&start=${end - 120}&end=${end}`,
    );
    expect(exemplars.flatMap((s) => s.exemplars).some((e) => /^(vllm|llm-d)\/\d+$/.test(e.labels.conversation_id ?? ''))).toBe(true);
  });

  it('serves text that promtool accepts, and a summary with the same numbers', async () => {
    const text = await (await fetch(`${exporter.url}/metrics`)).text();
    const check = spawnSync(promtool as string, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.stdout + check.stderr).toBe('');
    const summary = (await (await fetch(`${exporter.url}/api/v1/summary`)).json()) as { targets: { summary: { target: string; requests: number }; role: string; ci95: { p95: [number, number] | null } }[] };
    expect(summary.targets.map((t) => [t.summary.target, t.role])).toEqual([
      ['vllm', 'baseline'],
      ['llm-d', 'candidate'],
    ]);
    expect(summary.targets.every((t) => t.ci95.p95 !== null && t.summary.requests > 0)).toBe(true);
    expect((await fetch(`${exporter.url}/-/ready`)).status).toBe(200);
    const probe = await (await fetch(`${exporter.url}/probe?target=llm-d&turns=2`)).text();
    expect(probe).toMatch(/^kvcanary_probe_success\{vantage="default"\} 1$/m);
  });
});

describe('kvcanary serve: bad config', () => {
  it('exits 2 naming every problem, before starting anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvcanary-bad-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'targets:\n  - { name: a, url: ftp://x/v1, role: baseline }\n  - { name: b, url: http://b/v1, role: baseline }\npacing: { turnz: 3 }\n');
    const result = await runCli(['serve', `--config=${file}`, '--web.listen-address=127.0.0.1:0']);
    rmSync(dir, { recursive: true, force: true });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('targets[0].url: must be an http or https URL');
    expect(result.stderr).toContain('pacing.turnz: unknown field');
    expect(result.stdout).not.toContain('listening on');
  });
});
