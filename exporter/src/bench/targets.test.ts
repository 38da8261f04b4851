import { describe, expect, it } from '@jest/globals';
import { markdown } from './report.js';
import type { ClientName, ClientRun, LevelResult, Results } from './results.js';
import { judge } from './targets.js';

/** A run whose error is `p50`/`p99` ms and whose CPU is `cpu` ms per request. */
function run(client: ClientName, p50: number, p99: number, cpu: number): ClientRun {
  const truth = { p50: 100, p99: 102, max: 103 };
  return {
    client,
    keepAlive: client.endsWith('keepalive'),
    complete: true,
    requests: 240,
    failures: 0,
    ttftMs: { p50: 100 + p50, p99: 102 + p99, max: 103 + p99 },
    truthMs: truth,
    errorMs: { p50, p99, max: p99 },
    cpuMsPerRequest: cpu,
    startCpuMs: 400,
    peakRssMb: 80,
    measuredSeconds: 20,
  };
}

const level = (streams: number, runs: ClientRun[]): LevelResult => ({ streams, conversations: streams, turns: 10, runs, missing: [] });

function results(overrides: Partial<Omit<Results, 'targets'>>): Omit<Results, 'targets'> {
  return {
    version: 1,
    generatedAt: '2026-12-01T00:00:00.000Z',
    mode: 'default',
    node: 'v20.18.0',
    cores: 2,
    loadAverage: { start: 0.5, end: 0.7 },
    seconds: 600,
    stream: { firstTokenMs: 100, chunks: 50, chunkIntervalMs: 5 },
    corpus: { dir: null, documents: 11, chars: 400_000 },
    seed: 1,
    startup: null,
    levels: [],
    footprint: null,
    metricsRender: null,
    interference: null,
    errors: [],
    ...overrides,
  };
}

describe('judging TTFT error and CPU against the floor of the same run', () => {
  const levels = [
    level(32, [run('floor-keepalive', 1, 10, 4), run('bench-keepalive', 1.6, 12.5, 3.9), run('floor', 0, 8, 4), run('bench', 0.6, 10.2, 4.4)]),
    level(1000, [run('floor', 50, 400, 3), run('bench', 500, 4000, 2.9)]),
  ];
  const targets = judge(results({ levels }));
  const find = (name: string) => targets.find((t) => t.name === name);

  it('allows 1.2x the floor plus 0.5 ms, at p50 and p99, keep-alive with keep-alive', () => {
    expect(find('32 streams, bench-keepalive vs floor-keepalive: p50 TTFT error')).toMatchObject({ value: 1.6, limit: 1.7, ratio: 1.6, met: true });
    expect(find('32 streams, bench-keepalive vs floor-keepalive: p99 TTFT error')).toMatchObject({ value: 12.5, limit: 12.5, met: true });
    expect(find('32 streams, bench vs floor: p99 TTFT error')).toMatchObject({ limit: 10.1, met: false });
  });

  it('gives no ratio to a floor error of zero, and judges ours against the slack alone', () => {
    expect(find('32 streams, bench vs floor: p50 TTFT error')).toMatchObject({ value: 0.6, limit: 0.5, ratio: null, met: false });
  });

  it('allows no more CPU per request than the floor', () => {
    expect(find('32 streams, bench-keepalive vs floor-keepalive: CPU per request')?.met).toBe(true);
    expect(find('32 streams, bench vs floor: CPU per request')).toMatchObject({ ratio: 1.1, met: false });
  });

  it('does not judge the error at 1,000 streams (headroom), but does judge its CPU', () => {
    expect(targets.filter((t) => t.name.startsWith('1000 streams')).map((t) => t.name)).toEqual(['1000 streams, bench vs floor: CPU per request']);
  });
});

describe('judging serve as a sidecar', () => {
  const footprint = {
    seconds: 1800,
    replicas: 4,
    pageBytes: 32768,
    metricsScrapeSeconds: 15,
    requests: 4000,
    cpuShare: 0.031,
    rssMb: { first: 90, last: 97, max: 99 },
    quarters: [1, 2, 3, 4].map(() => ({ cpuShare: 0.03, rssMb: 95 })),
    rssRatio: 1.08,
  };
  const interference = {
    idle: run('serve', 2, 20, 5),
    busy: run('serve', 2.5, 300, 5),
    pages: [{ bytes: 1e6, count: 8 }],
    replicasUp: 10,
    summaryPolls: 90,
    metricsScrapes: 45,
  };

  it('holds the footprint to 2% of a core and 150 MB, and its RSS flat within 5% only over a long run', () => {
    const long = judge(results({ mode: 'long', footprint }));
    expect(long.map((t) => [t.name, t.met])).toEqual([
      ['serve at the default pacing: CPU', false],
      ['serve at the default pacing: peak RSS', true],
      ['serve at the default pacing: RSS drift, last quarter vs second', false],
    ]);
    const short = judge(results({ footprint }));
    expect(short[2]).toMatchObject({ met: null });
    expect(short[2]?.note).toMatch(/--long/);
  });

  it('holds busy serve to 1.2x idle serve plus 0.5 ms', () => {
    const t = judge(results({ interference }));
    expect(t.map((x) => [x.name, x.limit, x.met])).toEqual([
      ['serve busy vs idle: p50 TTFT error', 2.9, true],
      ['serve busy vs idle: p99 TTFT error', 24.5, false],
    ]);
  });
});

describe('the Markdown report', () => {
  it('prints each ratio beside its target, met or missed, and counts the judged targets', () => {
    const r = results({ levels: [level(4, [run('floor-keepalive', 1, 10, 4), run('bench-keepalive', 3, 11, 5)])] });
    const text = markdown({ ...r, targets: judge(r) });
    expect(text).toContain('| 4 | bench-keepalive | 240 | 3.0 | 11.0 | 11.0 | 3.00x **missed** (limit 1.70) | 1.10x met | 5.00 | 1.25x **missed** (limit 4.00) | 400 | 80 |');
    expect(text).toContain('1 of 3 judged targets met.');
  });
});
