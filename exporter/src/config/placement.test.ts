import { describe, expect, it } from '@jest/globals';
import { DEFAULT_VANTAGE } from '@kvcanary/contract';
import { ConfigError, parseConfig } from './load.js';
import { placeTargets, shardOf } from './placement.js';

const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `model-${i}`);
const fleet = (n: number, extra: Record<string, unknown> = {}) =>
  parseConfig({ targets: names(n).map((name) => ({ name, url: `http://${name}.llm.svc/v1` })), ...extra });

function problems(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('vantage', () => {
  it('comes from the config, else KVCANARY_VANTAGE, else the default', () => {
    expect(placeTargets(fleet(1, { vantage: 'eu-west' }), { KVCANARY_VANTAGE: 'us-east' }, 'f').vantage).toBe('eu-west');
    expect(placeTargets(fleet(1), { KVCANARY_VANTAGE: 'us-east' }, 'f').vantage).toBe('us-east');
    expect(placeTargets(fleet(1), { POD_NAME: 'kvcanary-7d9f-x2' }, 'f').vantage).toBe(DEFAULT_VANTAGE);
  });

  it('rejects a KVCANARY_VANTAGE that cannot be a label value', () => {
    expect(problems(() => placeTargets(fleet(1), { KVCANARY_VANTAGE: 'eu west' }, 'f'))).toEqual([
      'KVCANARY_VANTAGE: must be 1-63 letters, digits, _ . or - (it becomes a label value)',
    ]);
  });

  it('leaves replica scraping to the designated vantage only', () => {
    const withReplicas = parseConfig({
      targets: [{ name: 'vllm', url: 'http://vllm/v1', replicas: { static: [{ name: 'pod-0', url: 'http://pod-0:8000/metrics' }] } }],
      replicaScrape: { vantage: 'eu-west' },
    });
    expect(placeTargets({ ...withReplicas, vantage: 'eu-west' }, {}, 'f').targets[0]?.replicas).toBeDefined();
    const elsewhere = placeTargets({ ...withReplicas, vantage: 'us-east' }, {}, 'f').targets[0];
    expect(elsewhere?.name).toBe('vllm');
    expect(elsewhere?.replicas).toBeUndefined();
  });
});

describe('sharding', () => {
  it('gives every listed target to exactly one of the shards', () => {
    const config = fleet(40, { sharding: { count: 3 } });
    const shares = [0, 1, 2].map((index) => placeTargets({ ...config, sharding: { count: 3, index } }, {}, 'f').targets.map((t) => t.name));
    expect(shares.flat().sort()).toEqual(names(40).sort());
    for (const share of shares) expect(share.length).toBeGreaterThan(0);
  });

  it('takes the shard index from KVCANARY_SHARD_INDEX, else from the StatefulSet ordinal in POD_NAME', () => {
    const config = fleet(10, { sharding: { count: 4 } });
    const fromEnv = placeTargets(config, { KVCANARY_SHARD_INDEX: '2' }, 'f');
    const fromPod = placeTargets(config, { POD_NAME: 'kvcanary-2' }, 'f');
    expect(fromEnv.shard).toEqual({ index: 2, count: 4 });
    expect(fromPod.targets).toEqual(fromEnv.targets);
    expect(fromPod.elsewhere).toHaveLength(10 - fromPod.targets.length);
  });

  it('names what is missing or wrong about the index', () => {
    const config = fleet(2, { sharding: { count: 2 } });
    expect(problems(() => placeTargets(config, {}, 'f'))).toEqual([
      'sharding.index: not given, and neither KVCANARY_SHARD_INDEX nor a StatefulSet POD_NAME (name-N) is set',
    ]);
    expect(problems(() => placeTargets(config, { POD_NAME: 'kvcanary-2' }, 'f'))).toEqual(['sharding.index: 2 is not below sharding.count (2)']);
    expect(problems(() => placeTargets(config, { KVCANARY_SHARD_INDEX: 'one' }, 'f'))).toEqual(["sharding.index: KVCANARY_SHARD_INDEX 'one' is not a whole number"]);
  });

  it('moves only the targets the new shard wins when the shard count grows', () => {
    const targets = Array.from({ length: 1000 }, (_, i) => `endpoint-${i}`);
    const before = targets.map((t) => shardOf(t, 4));
    const after = targets.map((t) => shardOf(t, 5));
    const moved = targets.filter((_, i) => before[i] !== after[i]);
    // Every move is to the new shard, and about a fifth of the targets move (binomial, 1000 draws of 1/5).
    expect(moved.every((t) => shardOf(t, 5) === 4)).toBe(true);
    expect(moved.length).toBeGreaterThan(150);
    expect(moved.length).toBeLessThan(250);
  });

  it('depends on the target name only, not on its place in the list', () => {
    const config = fleet(12, { sharding: { count: 3, index: 1 } });
    const reversed = { ...config, targets: [...(config.targets ?? [])].reverse() };
    const share = (c: typeof config) => placeTargets(c, {}, 'f').targets.map((t) => t.name).sort();
    expect(share(reversed)).toEqual(share(config));
  });

  it('refuses a share larger than one exporter probes', () => {
    expect(problems(() => placeTargets(fleet(33), {}, 'f'))).toEqual(['targets: this exporter would probe 33; at most 32 per exporter (raise sharding.count)']);
  });
});
