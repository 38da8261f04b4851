import { describe, expect, it } from '@jest/globals';
import { seededRandom } from '../util/random.js';
import { prefixAware, randomPolicy, roundRobin, type ReplicaView } from './router-policy.js';

const replicas = (inFlight: number[] = [0, 0, 0, 0], kv: number[] = [0, 0, 0, 0]): ReplicaView[] =>
  inFlight.map((q, i) => ({ name: `r-${i}`, inFlight: q, kvUsage: kv[i] ?? 0 }));
const doc = (n: number): string => `Document ${n}: ${'lorem ipsum dolor sit amet '.repeat(200)}`;

describe('routing policies', () => {
  it('round-robin cycles through the replicas in order', () => {
    const p = roundRobin();
    const picks = Array.from({ length: 8 }, () => p.choose({ text: 'x', model: 'm' }, replicas()));
    expect(picks).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
  });

  it('random is seeded: the same seed picks the same sequence', () => {
    const run = (seed: number): number[] => {
      const p = randomPolicy(seededRandom(seed));
      return Array.from({ length: 20 }, () => p.choose({ text: 'x', model: 'm' }, replicas()));
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
    expect(new Set(run(7)).size).toBe(4);
  });

  it('prefix-aware keeps a growing conversation on its replica', () => {
    const p = prefixAware(seededRandom(1));
    let history = doc(1);
    const first = p.choose({ text: history, model: 'm' }, replicas());
    for (let turn = 0; turn < 9; turn++) {
      history += ` answer ${turn} `.repeat(50);
      // Even with the conversation's replica busier than the rest, the prefix match wins.
      const views = replicas([0, 0, 0, 0].map((_, i) => (i === first ? 1 : 0)));
      expect(p.choose({ text: history, model: 'm' }, views)).toBe(first);
    }
  });

  it('prefix-aware spreads new conversations by queue depth', () => {
    const p = prefixAware(seededRandom(1));
    const inFlight = [0, 0, 0, 0];
    const picks: number[] = [];
    for (let c = 0; c < 4; c++) {
      const i = p.choose({ text: doc(c), model: 'm' }, replicas(inFlight));
      inFlight[i] = (inFlight[i] ?? 0) + 1;
      picks.push(i);
    }
    expect(new Set(picks).size).toBe(4);
  });

  it('prefix-aware prefers the replica with less KV in use when nothing else differs', () => {
    const p = prefixAware(seededRandom(1));
    expect(p.choose({ text: doc(9), model: 'm' }, replicas([0, 0, 0, 0], [0.9, 0.9, 0.1, 0.9]))).toBe(2);
  });
});
