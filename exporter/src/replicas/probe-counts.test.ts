import { describe, expect, it } from '@jest/globals';
import { OTHER_REPLICA } from '@kvcanary/contract';
import { ProbeCounts } from './probe-counts.js';

describe('ProbeCounts', () => {
  it('keeps at most maxReplicas replica label values; requests from further replicas count as other', () => {
    const counts = new ProbeCounts(3);
    for (const r of ['pod-0', 'pod-1', 'pod-0', 'a', 'b', 'c', 'a']) counts.count(r);
    expect([...counts.snapshot()]).toEqual([
      ['pod-0', 2],
      ['pod-1', 1],
      ['a', 2],
      [OTHER_REPLICA, 2],
    ]);
  });

  it('forgets a replica, which frees its place under the bound', () => {
    const counts = new ProbeCounts(2);
    for (const r of ['a', 'b', 'c']) counts.count(r);
    counts.forget('a');
    expect(counts.get('a')).toBe(0);
    counts.count('d');
    expect([...counts.snapshot()]).toEqual([
      ['b', 1],
      [OTHER_REPLICA, 1],
      ['d', 1],
    ]);
  });

  it('hands out copies that do not move when counting goes on', () => {
    const counts = new ProbeCounts(4);
    counts.count('a');
    const seen = counts.snapshot();
    counts.count('a');
    expect(seen.get('a')).toBe(1);
    expect(counts.get('a')).toBe(2);
  });
});
