import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_JSON_VERSION, type BenchJson } from '@kvcanary/contract/schemas';
import { summarize } from '../stats/summarize.js';
import { makeRecord } from '../test-support/records.js';
import { compareCommand } from './compare-command.js';
import { UsageError } from '../util/usage-error.js';

/** A small but complete run of one workload: two conversations of two turns. */
function run(workload: string): BenchJson {
  const records = [0, 1].flatMap((conversation) => [1, 2].map((turn) => makeRecord({ conversation, turn, ttftMs: turn === 1 ? 300 : 100 })));
  return {
    version: BENCH_JSON_VERSION,
    seed: 3,
    url: 'http://127.0.0.1:1/v1',
    model: 'm',
    options: { conversations: 2, turns: 2, maxTokens: 50, parallel: 1, coldStart: true },
    workload,
    documents: [{ name: 'doc.md', type: 'TEXT', chars: 10 }],
    summary: summarize(records, { target: 't', model: 'm', elapsedSeconds: 1, conversationsPlanned: 2 }),
    records,
  };
}

describe('compare: bad input', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kvcanary-compare-'));
    await writeFile(join(dir, 'garbage.json'), '{ not json');
    await writeFile(join(dir, 'wrong.json'), JSON.stringify({ version: BENCH_JSON_VERSION, seed: 1, url: 'u', model: 'm', options: {}, documents: [], summary: {}, records: [] }));
    await writeFile(join(dir, 'v1.json'), JSON.stringify({ version: 1, seed: 1, url: 'u', model: 'm', options: {}, documents: [], summary: {}, records: [] }));
    for (const [file, workload] of [['w1.json', 'aaaaaaaaaaaa'], ['w1-again.json', 'aaaaaaaaaaaa'], ['w2.json', 'bbbbbbbbbbbb']] as const) {
      await writeFile(join(dir, file), JSON.stringify(run(workload)));
    }
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('names a missing file', async () => {
    await expect(compareCommand([join(dir, 'missing.json'), join(dir, 'garbage.json')])).rejects.toThrow(/baseline '.*missing\.json': cannot read it \(no such file\)/);
  });

  it('names a file that is not JSON', async () => {
    await expect(compareCommand([join(dir, 'garbage.json'), join(dir, 'garbage.json')])).rejects.toThrow(/baseline '.*garbage\.json': not JSON/);
  });

  it('names the file and the first wrong field when it is not a bench result', async () => {
    await expect(compareCommand([join(dir, 'wrong.json'), join(dir, 'wrong.json')])).rejects.toThrow(/baseline '.*wrong\.json': not a kvcanary bench --json file: options\.conversations: /);
  });

  it('refuses a version-1 file with the reason, instead of pairing what may not pair', async () => {
    await expect(compareCommand([join(dir, 'v1.json'), join(dir, 'w1.json')])).rejects.toThrow(/^baseline '.*v1\.json': bench --json version 1 has no workload digest .*run bench again/);
  });

  it('refuses runs of different workloads in one line naming both digests, and compares them unpaired when asked', async () => {
    const files = [join(dir, 'w1.json'), join(dir, 'w2.json')];
    const refused = compareCommand([...files, '--iterations', '100']);
    await expect(refused).rejects.toThrow(UsageError);
    await expect(refused).rejects.toThrow(/^compare: different workloads \(baseline aaaaaaaaaaaa, candidate bbbbbbbbbbbb\): [^\n]*--across-workloads[^\n]*$/);
    const logs: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((text: string) => void logs.push(text));
    try {
      expect(await compareCommand([...files, '--iterations', '100', '--across-workloads'])).toBe(0);
      expect(logs.join('\n')).toContain('unpaired: different workloads (baseline aaaaaaaaaaaa, candidate bbbbbbbbbbbb)');
      logs.length = 0;
      expect(await compareCommand([join(dir, 'w1.json'), join(dir, 'w1-again.json'), '--iterations', '100'])).toBe(0);
      expect(logs.join('\n')).toContain('paired by (conversation, turn) over 4 request pairs');
    } finally {
      log.mockRestore();
    }
  });

  it('wants exactly two files', async () => {
    await expect(compareCommand([join(dir, 'wrong.json')])).rejects.toThrow(UsageError);
    await expect(compareCommand(['--bogus', 'a', 'b'])).rejects.toThrow(/unknown option '--bogus'/);
  });
});
