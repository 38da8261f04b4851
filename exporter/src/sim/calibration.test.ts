import { describe, expect, it } from '@jest/globals';
import { runCalibration, type TurnRecord } from './calibration.js';
import { startCluster } from './cluster.js';
import type { PolicyName } from './router-policy.js';
import { VirtualClock } from './virtual-clock.js';

// One clock for the whole file: the clusters and clients run as a discrete-event simulation, so
// the reference think times cost nothing and every figure is exact.
const clock = new VirtualClock();

/** Small documents, each different from its first line. */
const documents = Array.from({ length: 8 }, (_, i) => `# Document ${i}\n\n${'prefix caching keeps later turns fast. '.repeat(40 + 10 * i)}`);

/** A small run of the calibration workload: 3 turns, short answers. */
async function run(policy: PolicyName, docs: readonly string[] = documents, conversations = 8): Promise<TurnRecord[]> {
  const cluster = await startCluster({ replicas: 4, router: policy, name: policy, seed: 5, clock });
  try {
    const { records } = await runCalibration({ baseUrl: cluster.routerUrl, model: 'Qwen/Qwen3-0.6B', documents: docs, conversations, turns: 3, maxTokens: 16, seed: 5, clock });
    return records;
  } finally {
    await cluster.close();
  }
}

// Work enough for a loaded CI machine: a run is a few seconds of CPU, many more of waiting for it.
const SLOW = 120_000;

const hitRate = (records: readonly TurnRecord[]): number => records.reduce((a, r) => a + r.cachedTokens, 0) / records.reduce((a, r) => a + r.promptTokens, 0);

describe('calibration workload', () => {
  it('prefix-aware routing keeps each conversation on one replica and caches more than round-robin', async () => {
    const [rr, pa] = await Promise.all([run('round-robin'), run('prefix-aware')]);
    expect(rr).toHaveLength(24);
    const podsPerConversation = (records: TurnRecord[]): number[] =>
      [...new Set(records.map((r) => r.conversation))].map((c) => new Set(records.filter((r) => r.conversation === c).map((r) => r.pod)).size);
    expect(podsPerConversation(pa).every((n) => n === 1)).toBe(true);
    // A later turn on its conversation's replica recomputes only the last partial block and the new question.
    for (const r of pa.filter((x) => x.turn > 1)) expect(r.promptTokens - r.cachedTokens).toBeLessThan(64);
    expect(hitRate(pa)).toBeGreaterThan(0.6); // turn 1 of 3 is all a miss
    expect(hitRate(rr)).toBeLessThan(hitRate(pa));
  }, SLOW);

  it('runs conversation i on document i mod n, and records no warm-up request', async () => {
    const records = await run('round-robin', documents.slice(0, 4), 8);
    expect(records).toHaveLength(8 * 3);
    const firstPrompts = [0, 1, 2, 3, 4, 5, 6, 7].map((c) => records.find((r) => r.conversation === c && r.turn === 1)?.promptTokens);
    expect(firstPrompts.slice(4)).toEqual(firstPrompts.slice(0, 4));
    expect(new Set(firstPrompts).size).toBe(4);
  }, SLOW);

  it('replays on the virtual clock: the same seed gives the same records, times to the nanosecond', async () => {
    // The second run starts later on the same clock, so times agree up to floating-point rounding.
    const rounded = (records: TurnRecord[]): TurnRecord[] => records.map((r) => ({ ...r, ttftMs: Number(r.ttftMs.toFixed(6)), totalMs: Number(r.totalMs.toFixed(6)) }));
    const [a, b] = [await run('prefix-aware'), await run('prefix-aware')];
    expect(rounded(b)).toEqual(rounded(a));
    expect(new Set(a.map((r) => r.ttftMs)).size).toBeGreaterThan(1);
  }, SLOW);
});
