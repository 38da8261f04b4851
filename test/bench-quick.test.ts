import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resultsSchema, type Results } from '../exporter/src/bench/results.js';

/**
 * `npm run bench -- --quick` once, for sanity only: it runs every section end to end (ground truth,
 * floor, the real CLI's bench and serve, sidecar, interference, start-up) and writes its files, and
 * every figure it reports is a finite, non-negative number. How fast anything is, is the bench's
 * business, never a test's.
 */
const HARNESS = fileURLToPath(new URL('../exporter/dist/bench/main.js', import.meta.url));

/** Every number in `value`, with its path. */
function numbers(value: unknown, path = ''): [string, number][] {
  if (typeof value === 'number') return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => numbers(v, `${path}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => numbers(v, path ? `${path}.${k}` : k));
  return [];
}

/** Runs the harness with `args`; its exit code and the tail of its stderr. */
function harness(args: readonly string[], timeoutMs: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    let stderr = '';
    const child = spawn(process.execPath, [HARNESS, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString('utf8')).slice(-20_000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('npm run bench -- --quick', () => {
  let out: string;
  let code: number | null;
  let stderr = '';
  let results: Results;

  beforeAll(async () => {
    if (!existsSync(HARNESS)) throw new Error(`${HARNESS} is missing: run npm run build -w exporter first`);
    out = mkdtempSync(join(tmpdir(), 'kvcanary-bench-quick-'));
    ({ code, stderr } = await harness(['--quick', '--out', out], 280_000));
    results = resultsSchema.parse(JSON.parse(readFileSync(join(out, 'bench-results.json'), 'utf8')));
  }, 300_000);

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('runs every section and exits 0', () => {
    expect({ code, errors: results.errors, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, errors: [], stderr: '' });
    expect(results.mode).toBe('quick');
    expect(results.levels.map((l) => l.runs.map((r) => r.client))).toEqual([['floor-keepalive', 'bench-keepalive', 'floor', 'bench', 'serve']]);
    expect(results.levels[0]?.missing).toEqual([]);
    for (const section of [results.startup, results.footprint, results.metricsRender, results.interference]) expect(section).not.toBeNull();
    expect(results.targets.length).toBeGreaterThan(0);
  });

  it('reports only finite, non-negative figures', () => {
    const bad = numbers(results).filter(([, v]) => !(Number.isFinite(v) && v >= 0));
    expect(bad).toEqual([]);
  });

  it('writes the Markdown table with the targets beside the ratios', () => {
    const md = readFileSync(join(out, 'bench-results.md'), 'utf8');
    expect(md).toContain('| 4 | bench-keepalive | 12 |');
    expect(md).toContain('## Targets');
    expect(md).toMatch(/\d+ of \d+ judged targets met\./);
  });
});

describe('npm run bench -- --cpu-prof DIR', () => {
  it('writes a CPU profile of every measured child into a folder named for it, in the order they ran', async () => {
    const out = mkdtempSync(join(tmpdir(), 'kvcanary-bench-prof-'));
    try {
      const run = await harness(['--quick', '--only', 'startup', '--out', out, '--cpu-prof', join(out, 'profiles')], 120_000);
      expect(run).toEqual({ code: 0, stderr: expect.stringContaining(`CPU profiles in ${join(out, 'profiles')}`) });
      const folders = readdirSync(join(out, 'profiles')).sort();
      // Start-up alternates a bare node and `kvcanary bench --help`.
      expect(folders.length).toBeGreaterThanOrEqual(2);
      expect(folders.slice(0, 2).map((f) => f.replace(/^\d{3}-/, ''))).toEqual(['node', 'main-bench']);
      for (const folder of folders) {
        const profiles = readdirSync(join(out, 'profiles', folder)).filter((f) => f.endsWith('.cpuprofile'));
        expect({ folder, profiles: profiles.length }).toEqual({ folder, profiles: 1 });
        const profile = JSON.parse(readFileSync(join(out, 'profiles', folder, profiles[0] as string), 'utf8')) as { nodes: unknown[] };
        expect(profile.nodes.length).toBeGreaterThan(0);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 150_000);
});
