import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planJsonSchema, type RecordsResponse } from '@kvcanary/contract/schemas';
import { makeRecord } from '../test-support/records.js';
import { planCommand } from './plan-command.js';

/**
 * A stream whose answer is exact arithmetic: conversations of 30 turns, turn 1 at 0.9 s and every later
 * turn at 0.3 s (recorded P95 just under 0.3 s, speedup 3), one conversation a minute (30 requests) and
 * scraped every 15 s, so the 5m figure window spans 19 scrape intervals.
 */
const records: RecordsResponse = {
  generatedAt: '2026-12-01T00:00:00.000Z',
  windowSeconds: 600,
  pacing: { conversationsPerMinute: 1, turns: 30, meanThinkSeconds: 1 },
  targets: [{ target: 'exact', records: Array.from({ length: 30 }, (_, i) => makeRecord({ target: 'exact', turn: i + 1, ttftMs: i === 0 ? 900 : 300 })) }],
};

describe('kvcanary plan on a stream with a known answer', () => {
  let dir: string;
  let printed = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kvcanary-plan-'));
    await writeFile(join(dir, 'records.json'), JSON.stringify(records));
    jest.spyOn(console, 'log').mockImplementation((text: unknown) => {
      printed += `${String(text)}\n`;
    });
    jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints and writes zero false alarms, and P95 x2 caught at window fill + for (930 s) in every trial', async () => {
    const out = join(dir, 'plan.json');
    const args = [join(dir, 'records.json'), '--trials', '10', '--days', '1', '--horizon', '1h', '--json', out];
    await expect(planCommand(args)).resolves.toBe(0);
    const plan = planJsonSchema.parse(JSON.parse(await readFile(out, 'utf8')));
    // 1 conversation a minute x 30 turns, then 2x and 4x it.
    expect(plan.pacing).toEqual({ requestsPerMinute: 30, from: '1 conversations/min x 30 turns' });
    expect([...new Set(plan.rows.map((r) => r.requestsPerMinute))]).toEqual([30, 60, 120]);
    expect(plan.rows.every((r) => r.falseAlarmsPer30Days === 0)).toBe(true);

    const regression = plan.rows.filter((r) => r.alert === 'KVCanaryTTFTP95Regression');
    const at = (row: (typeof regression)[number], change: string) => row.detection.find((d) => d.change === change);
    for (const row of regression) {
      // 0.6 s after doubling: in (0.5, 0.6] once 2 of the 19 intervals are new, over 1.5x the 0.299 s reference.
      expect(at(row, 'p95x2')).toEqual({ change: 'p95x2', medianSeconds: 930, p90Seconds: 930, detectedShare: 1 });
      // 0.375 s is under 1.5x: never.
      expect(at(row, 'p95x1.25')).toEqual({ change: 'p95x1.25', medianSeconds: null, p90Seconds: null, detectedShare: 0 });
    }
    const speedup = plan.rows.filter((r) => r.alert === 'KVCanaryCacheSpeedupCollapsed');
    // Later turns 0.3 -> 0.6 s: speedup under 2 once over half the window is new (10 of 19 intervals, 150 s), + 15m.
    for (const row of speedup) expect(row.detection.find((d) => d.change === 'speedup/2')?.medianSeconds).toBe(1050);

    expect(printed).toContain('pacing: 30 probes/min (1 conversations/min x 30 turns)');
    expect(printed).toMatch(/^KVCanaryTTFTP95Regression +30 +0 +- +.* 15.5m \/ 15.5m /m);
  }, 180_000);

  it('refuses too few samples and an unknown target, naming them', async () => {
    const few = { ...records, targets: [{ target: 'exact', records: records.targets[0]?.records.slice(0, 5) ?? [] }] };
    await writeFile(join(dir, 'few.json'), JSON.stringify(few));
    await expect(planCommand([join(dir, 'few.json')])).rejects.toThrow('plan: exact has 5 successful requests with a TTFT; at least 10 are needed to resample');
    await expect(planCommand([join(dir, 'records.json'), '--target', 'nope'])).rejects.toThrow(/--target 'nope' is not a target of '.*records\.json' \(targets: exact\)/);
  });
});
