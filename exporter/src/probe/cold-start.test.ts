import { describe, expect, it } from '@jest/globals';
import type { RequestRecord } from '@kvcanary/contract/schemas';
import type { SeedDocument } from '../corpus/types.js';
import { startCluster } from '../sim/cluster.js';
import { VirtualClock } from '../sim/virtual-clock.js';
import { virtualTimeClient } from '../test-support/virtual-time-client.js';
import { startContinuous } from './continuous.js';
import { INSTRUCTIONS } from './prompts.js';
import type { ScriptPlan } from './script.js';

// One clock for the file: the simulated cluster and the engine run as a discrete-event simulation,
// so every TTFT is the model's own and hours of canary traffic take seconds.
const clock = new VirtualClock();

/** Two documents of about 2,000 tokens each: a first turn is a long prefill, a cached one is not. */
const documents: SeedDocument[] = [
  { name: 'a.md', type: 'TEXT', content: `# Runbook\n\n${'Restart the replica only after draining its queue. '.repeat(160)}` },
  { name: 'b.md', type: 'TEXT', content: `# Review\n\n${'The cache keeps later turns fast when routing is sticky. '.repeat(145)}` },
];
/** Conversation id uses document id mod n and instruction id mod 8: the first turns repeat every lcm(2, 8) = 8 conversations. */
const CYCLE = 8;
const CYCLES = 4;

interface CycleFigures {
  firstTurnMs: number;
  speedup: number;
  firstTurnCachedShare: number;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Runs the continuous engine on a prefix-aware cluster with ample KV capacity until CYCLES cycles have completed; figures per cycle. */
async function figuresByCycle(coldStart: boolean): Promise<CycleFigures[]> {
  // 100,000 blocks of 16 tokens: nothing the run sends is ever evicted, so any decay is the canary warming itself.
  const cluster = await startCluster({ replicas: 4, router: 'prefix-aware', name: coldStart ? 'cold' : 'warm', seed: 3, numGpuBlocks: 100_000, answerMinTokens: 20, answerMaxTokens: 40, clock });
  const client = virtualTimeClient(cluster.routerUrl, clock);
  const plan: ScriptPlan = { documents, turns: 3, seed: 9, thinkTime: { minMs: 500, maxMs: 2000 }, ...(coldStart && { coldStart: { nonce: 12345 } }) };
  const records: RequestRecord[] = [];
  let completed = 0;
  const engine = startContinuous({
    target: { name: 't', client, model: 'Qwen/Qwen3-0.6B', maxTokens: 40, timeoutMs: 60_000 },
    plan,
    pace: { concurrency: 2 },
    parallel: 2,
    clock,
    onRecord: (r) => records.push(r),
    onConversation: (c) => void (c.conversation < CYCLE * CYCLES && c.outcome === 'completed' && completed++),
  });
  try {
    while (completed < CYCLE * CYCLES) await clock.sleep(1000);
    await engine.stop(60_000);
  } finally {
    await client.close();
    await cluster.close();
  }
  expect(records.filter((r) => r.outcome !== 'success' && r.outcome !== 'cancelled')).toEqual([]);
  return Array.from({ length: CYCLES }, (_, cycle) => {
    const inCycle = records.filter((r) => r.outcome === 'success' && Math.floor(r.conversation / CYCLE) === cycle);
    const first = inCycle.filter((r) => r.turn === 1);
    const later = inCycle.filter((r) => r.turn > 1);
    const firstTurnMs = mean(first.map((r) => r.ttftMs ?? 0));
    return {
      firstTurnMs,
      speedup: firstTurnMs / mean(later.map((r) => r.ttftMs ?? 0)),
      firstTurnCachedShare: first.reduce((a, r) => a + (r.cachedTokens ?? 0), 0) / first.reduce((a, r) => a + (r.promptTokens ?? 0), 0),
    };
  });
}

const SLOW = 240_000;

describe('cold first turns in continuous mode', () => {
  it('keeps turn 1 at its cold level and the speedup from decaying, cycle after cycle, with the marker', async () => {
    const cycles = await figuresByCycle(true);
    const [first] = cycles as [CycleFigures];
    for (const c of cycles) {
      expect(c.firstTurnMs).toBeGreaterThan(0.9 * first.firstTurnMs);
      expect(c.speedup).toBeGreaterThan(0.8 * first.speedup);
      // At most the chat template's role header and a shared partial block: never the document.
      expect(c.firstTurnCachedShare).toBeLessThan(0.02);
    }
    expect(first.speedup).toBeGreaterThan(2);
  }, SLOW);

  it('without it, conversation i + lcm(n, 8) repeats conversation i and the canary warms its own first turns', async () => {
    expect(INSTRUCTIONS.TEXT).toHaveLength(CYCLE);
    const cycles = await figuresByCycle(false);
    const [first, ...rest] = cycles as [CycleFigures, ...CycleFigures[]];
    expect(first.firstTurnCachedShare).toBeLessThan(0.02);
    for (const c of rest) {
      expect(c.firstTurnMs).toBeLessThan(0.5 * first.firstTurnMs);
      expect(c.speedup).toBeLessThan(0.5 * first.speedup);
      expect(c.firstTurnCachedShare).toBeGreaterThan(0.9);
    }
  }, SLOW);
});
