import { describe, expect, it } from '@jest/globals';
import { runCalibration, type TurnRecord } from './calibration.js';
import { startCluster } from './cluster.js';
import type { PolicyName } from './router-policy.js';

/** A small, fast run of the calibration workload; asserts token accounting and placement, never time. */
async function run(policy: PolicyName): Promise<{ records: TurnRecord[]; cachedShare: number }> {
  const cluster = await startCluster({ replicas: 4, router: policy, name: policy, timeScale: 0.02, seed: 5 });
  try {
    const { records, summary } = await runCalibration({ baseUrl: cluster.routerUrl, model: 'Qwen/Qwen3-0.6B', conversations: 8, turns: 4, maxTokens: 40, minDelayMs: 0, maxDelayMs: 5, seed: 5 });
    return { records, cachedShare: summary.cachedShare };
  } finally {
    await cluster.close();
  }
}

describe('calibration workload', () => {
  it('prefix-aware routing keeps each conversation on one replica and caches more than round-robin', async () => {
    const [rr, pa] = await Promise.all([run('round-robin'), run('prefix-aware')]);
    expect(rr.records).toHaveLength(32);
    const podsPerConversation = (records: TurnRecord[]): number[] =>
      [...new Set(records.map((r) => r.conversation))].map((c) => new Set(records.filter((r) => r.conversation === c).map((r) => r.pod)).size);
    expect(podsPerConversation(pa.records).every((n) => n === 1)).toBe(true);
    expect(new Set(pa.records.map((r) => r.pod)).size).toBe(4);
    // A later turn on its conversation's replica recomputes only the last partial block and the new question.
    for (const r of pa.records.filter((x) => x.turn > 1)) expect(r.promptTokens - r.cachedTokens).toBeLessThan(64);
    expect(pa.cachedShare).toBeGreaterThan(0.7);
    expect(rr.cachedShare).toBeLessThan(pa.cachedShare);
  });
});
