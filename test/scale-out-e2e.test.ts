/**
 * Scale out, end to end, with the real tools: two `kvcanary serve` processes probe the same two simulated
 * clusters from two vantages ("east" scrapes the replicas, "west" only probes), each scraped by its own
 * Prometheus in agent mode that remote-writes to two central stores, a Prometheus with its remote-write
 * receiver and VictoriaMetrics. The project's rules (shortWindows()) run centrally: in that Prometheus and
 * in vmalert. Then:
 * - every recorded target figure and every alert is one series per target, not one per exporter, after
 *   llm-d's router turns random and its P95 or cache speedup alert goes off;
 * - with the clusters answering nothing more (every request fails), each central store's P95, cache
 *   speedup and KV hit ratio per target equal what each exporter reports alone, within the histogram's
 *   resolution for P95 (the width of the bucket the exact figure falls in).
 * Loopback only, bounded in time; prints the figures side by side.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_TURN_CAP, TTFT_BUCKETS, exporterMetrics as m, histogramSeries, recorded, turnLabel } from '@kvcanary/contract';
import { summaryResponseSchema, type Summary } from '@kvcanary/contract/schemas';
import { startCluster, type Cluster } from '../exporter/src/sim/cluster.js';
import { shortWindows } from '../monitoring/src/config.js';
import { renderRuleFile } from '../monitoring/src/render.js';
import { startServe, type RunningCli } from './support/cli.js';
import { startPrometheus, type RunningPrometheus } from './support/prometheus.js';
import { findTool } from './support/tools.js';
import { startAlertSink, startVictoriaMetrics, startVmalert, type RunningVictoriaMetrics } from './support/victoria-metrics.js';

const prometheusBin = findTool('prometheus', 'apt-get install prometheus');
const vmBin = findTool('victoria-metrics', 'apt-get install victoria-metrics');
const vmalertBin = findTool('vmalert', 'apt-get install victoria-metrics');
const run = prometheusBin && vmBin && vmalertBin ? describe : describe.skip;

const VANTAGES = ['east', 'west'] as const;
const TARGETS = ['vllm', 'llm-d'] as const;
const WATCHED = 'KVCanaryTTFTP95Regression|KVCanaryCacheSpeedupCollapsed';
const firstTurn = turnLabel(1, DEFAULT_TURN_CAP);
const bucket = histogramSeries(m.ttft, 'bucket');
const sum = histogramSeries(m.ttft, 'sum');
const count = histogramSeries(m.ttft, 'count');

function exporterConfig(vantage: string, clusters: Record<string, Cluster>): string {
  const target = (name: string, role: string): string => {
    const c = clusters[name] as Cluster;
    const replicas = c.replicas.map((r) => `          - { name: ${r.name}, url: "${r.url}/metrics" }`).join('\n');
    return `  - name: ${name}\n    url: "${c.routerUrl}"\n    role: ${role}\n    replicas:\n      static:\n${replicas}`;
  };
  return [
    `vantage: ${vantage}`,
    'targets:',
    target('vllm', 'baseline'),
    target('llm-d', 'candidate'),
    'pacing: { concurrency: 3, turns: 6, maxTokens: 120, thinkTime: { min: 100ms, max: 300ms }, timeout: 30s, seed: 11 }',
    // The whole run in one window, so the exporter's own figures cover the same requests as the stores' counters.
    'window: { duration: 30m, maxRequests: 100000 }',
    'replicaScrape: { interval: 2s, timeout: 1s, vantage: east }',
    'shutdownGrace: 2s',
  ].join('\n');
}

/** Sum of the samples of `name` on an exposition page whose labels include every `labels` pair. */
function pageSum(page: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  let total = 0;
  for (const line of page.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const close = line.lastIndexOf('}');
    if (wanted.every((w) => line.slice(0, close).includes(w))) total += Number(line.slice(close + 1).trim().split(' ')[0]);
  }
  return total;
}

/** The width of the TTFT bucket that holds `seconds`: how far apart two figures from that histogram may be. */
function bucketWidth(seconds: number): number {
  const upper = TTFT_BUCKETS.findIndex((b) => seconds <= b);
  if (upper < 0) return Infinity;
  return (TTFT_BUCKETS[upper] as number) - (upper === 0 ? 0 : (TTFT_BUCKETS[upper - 1] as number));
}

async function one(store: RunningPrometheus, promql: string): Promise<number> {
  const result = await store.query(promql);
  if (result.length !== 1) throw new Error(`${promql}: ${result.length} series`);
  return (result[0] as { value: number }).value;
}

interface Figures {
  p95: number;
  speedup: number;
  hitRatio: number;
}

/** The three figures as a central store computes them from one vantage's series (hit ratio: the one scraper's). */
async function central(store: RunningPrometheus, target: string, vantage: string): Promise<Figures> {
  const sel = `target="${target}", vantage="${vantage}"`;
  const mean = (turn: string): string => `(sum(${sum}{${sel}, ${turn}}) / sum(${count}{${sel}, ${turn}}))`;
  return {
    p95: await one(store, `histogram_quantile(0.95, sum by (le) (${bucket}{${sel}}))`),
    speedup: await one(store, `${mean(`turn="${firstTurn}"`)} / ${mean(`turn!="${firstTurn}"`)}`),
    hitRatio: await one(store, `sum(${m.replicaPrefixCacheHits.name}{target="${target}"}) / sum(${m.replicaPrefixCacheQueries.name}{target="${target}"})`),
  };
}

run('scale out: two vantages, agents remote-writing to Prometheus and VictoriaMetrics', () => {
  let dir: string;
  const clusters: Record<string, Cluster> = {};
  const exporters: Record<string, RunningCli> = {};
  const agents: RunningPrometheus[] = [];
  let prom: RunningPrometheus;
  let vm: RunningVictoriaMetrics;
  let vmalert: RunningPrometheus;
  let sink: Awaited<ReturnType<typeof startAlertSink>>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kvcanary-scale-out-'));
    const rules = join(dir, 'rules.yml');
    writeFileSync(rules, renderRuleFile(shortWindows()));
    // The embedded default's two clusters, simulated time twice as fast.
    clusters.vllm = await startCluster({ name: 'vllm', router: 'round-robin', timeScale: 0.5, seed: 7, scrapeIntervalMs: 500 });
    clusters['llm-d'] = await startCluster({ name: 'llm-d', router: 'prefix-aware', timeScale: 0.5, seed: 7, scrapeIntervalMs: 500 });
    sink = await startAlertSink();
    prom = await startPrometheus({ binary: prometheusBin as string, targets: [], evaluationInterval: '2s', ruleFiles: [rules], remoteWriteReceiver: true });
    vm = await startVictoriaMetrics(vmBin as string);
    vmalert = await startVmalert({ binary: vmalertBin as string, ruleFile: rules, victoriaMetrics: vm.url, evaluationInterval: '2s', notifier: sink.url });
    for (const vantage of VANTAGES) {
      const file = join(dir, `${vantage}.yaml`);
      writeFileSync(file, exporterConfig(vantage, clusters));
      const exporter = await startServe([`--config=${file}`, '--web.listen-address=127.0.0.1:0']);
      exporters[vantage] = exporter;
      agents.push(
        await startPrometheus({
          binary: prometheusBin as string,
          agent: true,
          targets: [{ job: 'kvcanary', address: new URL(exporter.url).host }],
          scrapeInterval: '1s',
          remoteWrite: [`${prom.url}/api/v1/write`, vm.writeUrl],
        }),
      );
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await Promise.all(Object.values(exporters).map((e) => e.stop('SIGTERM')));
    await vmalert?.stop();
    await vm?.stop();
    await prom?.stop();
    await sink?.close();
    await Promise.all(Object.values(clusters).map((c) => c.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('records one figure and raises one alert per target, and matches each exporter alone', async () => {
    const stores = { prometheus: prom, victoriametrics: vm } as const;

    // Both vantages' series reach both stores, and only the east exporter's replica series exist.
    for (const store of Object.values(stores)) {
      await store.waitFor(async () => (await store.query(`count by (vantage) (${m.targetUp.name})`)).length === 2, 120_000, 2000);
      await store.waitFor(async () => (await store.query(`${recorded.cacheSpeedup.name}{target="llm-d"} > 0`)).length === 1, 120_000, 2000);
      const scrapers = await store.query(`count by (vantage) (${m.replicaPrefixCacheQueries.name})`);
      expect(scrapers.map((s) => s.metric.vantage)).toEqual(['east']);
    }
    await prom.waitFor(async () => (await prom.query(`avg_over_time(${recorded.ttftP95.name}{target="llm-d"}[30s] offset 45s)`)).length === 1, 120_000, 2000);

    // llm-d loses its cache locality; the alerts go off in the central Prometheus and in vmalert.
    const res = await fetch(new URL('/sim/router', clusters['llm-d']?.routerUrl), { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ policy: 'random' }) });
    expect(res.ok).toBe(true);
    for (const store of Object.values(stores)) {
      await store.waitFor(async () => (await store.query(`ALERTS{alertname=~"${WATCHED}", target="llm-d"}`)).length > 0, 180_000, 2000);
      // One series per alert and target (whatever its state): no copy per exporter, instance or vantage.
      const alerts = await store.query(`count by (alertname, target) (ALERTS{alertname=~"${WATCHED}"})`);
      for (const a of alerts) expect([a.metric.alertname, a.metric.target, a.value]).toEqual([a.metric.alertname, a.metric.target, 1]);
      for (const figure of [recorded.ttftP95, recorded.cacheSpeedup, recorded.targetKvHitRatio]) {
        expect((await store.query(`count by (target) (${figure.name})`)).map((s) => [s.metric.target, s.value]).sort()).toEqual(TARGETS.map((t) => [t, 1]).sort());
      }
    }
    process.stderr.write(`alerts: ${JSON.stringify((await prom.query(`ALERTS{alertname=~"${WATCHED}"}`)).map((a) => a.metric))}\n`);

    // Freeze: every request fails from now on, so no TTFT is observed and no prefix cache is queried.
    for (const c of Object.values(clusters)) for (const r of c.replicas) c.setFaults(r.name, { errorRate: 1 });
    const pages = async (): Promise<Record<string, string>> =>
      Object.fromEntries(await Promise.all(VANTAGES.map(async (v) => [v, await (await fetch(`${exporters[v]?.url}/metrics`)).text()] as const)));
    // Settled once every store holds exactly each exporter's counts, twice in a row.
    let settled = 0;
    await prom.waitFor(async () => {
      const page = await pages();
      let same = true;
      for (const v of VANTAGES) {
        for (const t of TARGETS) {
          const local = pageSum(page[v] as string, count, { target: t });
          for (const store of Object.values(stores)) same &&= (await one(store, `sum(${count}{target="${t}", vantage="${v}"})`)) === local;
        }
      }
      settled = same ? settled + 1 : 0;
      return settled >= 2;
    }, 90_000, 3000);

    const page = await pages();
    const rows: string[] = ['target  vantage  figure    exporter alone   prometheus   victoriametrics   tolerance'];
    for (const v of VANTAGES) {
      const body = summaryResponseSchema.parse(await (await fetch(`${exporters[v]?.url}/api/v1/summary`)).json());
      for (const t of TARGETS) {
        const s = body.targets.find((x) => x.summary.target === t)?.summary as Summary;
        const east = page.east as string;
        const alone: Figures = {
          p95: (s.ttft?.p95 ?? NaN) / 1000,
          speedup: s.cacheSpeedup ?? NaN,
          // The replicas' counters as the one scraping exporter exposes them.
          hitRatio: pageSum(east, m.replicaPrefixCacheHits.name, { target: t }) / pageSum(east, m.replicaPrefixCacheQueries.name, { target: t }),
        };
        const tolerance: Figures = { p95: bucketWidth(alone.p95), speedup: alone.speedup * 1e-3, hitRatio: 1e-9 };
        for (const [name, store] of Object.entries(stores)) {
          const got = await central(store, t, v);
          for (const f of ['p95', 'speedup', 'hitRatio'] as const) {
            expect({ store: name, target: t, vantage: v, figure: f, off: Math.abs(got[f] - alone[f]) <= tolerance[f] ? 'within' : got[f] }).toEqual({
              store: name, target: t, vantage: v, figure: f, off: 'within',
            });
          }
        }
        const [p, q] = [await central(prom, t, v), await central(vm, t, v)];
        for (const f of ['p95', 'speedup', 'hitRatio'] as const) {
          rows.push(`${t.padEnd(7)} ${v.padEnd(8)} ${f.padEnd(9)} ${alone[f].toFixed(4).padStart(14)} ${p[f].toFixed(4).padStart(12)} ${q[f].toFixed(4).padStart(17)}   ${tolerance[f].toPrecision(3)}`);
        }
      }
    }
    process.stderr.write(`central vs local:\n${rows.join('\n')}\n`);
    // The cardinality budget (docs/architecture.md): series each exporter serves per target, by family.
    for (const v of VANTAGES) {
      for (const t of TARGETS) {
        const lines = (page[v] as string).split('\n').filter((l) => !l.startsWith('#') && l.includes(`target="${t}"`));
        const families = new Map<string, number>();
        for (const l of lines) {
          const family = (/^[a-z_:]+/.exec(l)?.[0] ?? '').replace(/_(bucket|sum|count)$/, '');
          families.set(family, (families.get(family) ?? 0) + 1);
        }
        process.stderr.write(`series for target ${t} from vantage ${v}: ${lines.length} ${JSON.stringify(Object.fromEntries(families))}\n`);
      }
    }
  }, 540_000);
});
