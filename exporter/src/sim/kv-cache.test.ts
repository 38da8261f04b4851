import { describe, expect, it } from '@jest/globals';
import { BLOCK_CHARS, blockHashes, countTokens } from './block-hash.js';
import { KvCache } from './kv-cache.js';

const block = (c: string): string => c.repeat(BLOCK_CHARS);

describe('block hashes', () => {
  it('counts about four characters a token and hashes only full blocks', () => {
    expect(countTokens('abcdefghi')).toBe(3);
    expect(blockHashes(block('a') + 'tail', 'm')).toHaveLength(1);
  });

  it('chains: a block hashes differently when an earlier block differs', () => {
    const a = blockHashes(block('a') + block('x'), 'm');
    const b = blockHashes(block('b') + block('x'), 'm');
    expect(a[1]).not.toBe(b[1]);
    expect(blockHashes(block('a') + block('y'), 'm')[0]).toBe(a[0]);
  });

  it('is seeded by the model name and capped by maxBlocks', () => {
    expect(blockHashes(block('a'), 'm1')[0]).not.toBe(blockHashes(block('a'), 'm2')[0]);
    expect(blockHashes(block('a').repeat(10), 'm', 4)).toHaveLength(4);
  });
});

describe('KvCache', () => {
  it('hits on a shared prefix after the first request is released', () => {
    const kv = new KvCache(100);
    const first = blockHashes(block('a') + block('b') + block('c'), 'm');
    expect(kv.acquire(first, 0)).toBe(0);
    kv.release(first, 0);
    const second = blockHashes(block('a') + block('b') + block('z'), 'm');
    expect(kv.matchPrefix(second)).toBe(2);
    expect(kv.acquire(second, 0)).toBe(2);
  });

  it('keeps the computed answer blocks in the room reserved for them', () => {
    const kv = new KvCache(100);
    const prompt = blockHashes(block('a'), 'm');
    const full = blockHashes(block('a') + block('b') + block('c'), 'm');
    kv.acquire(prompt, 2);
    expect(kv.usedBlocks()).toBe(3);
    kv.release(prompt, 2, full.slice(1));
    expect(kv.usedBlocks()).toBe(0);
    expect(kv.cachedBlocks()).toBe(3);
    expect(kv.matchPrefix(full)).toBe(3);
  });

  it('evicts least recently used free blocks, a chain from its tail, and never exceeds capacity', () => {
    const kv = new KvCache(4);
    const a = blockHashes(block('a') + block('b'), 'm');
    const c = blockHashes(block('c') + block('d'), 'm');
    kv.acquire(a, 0);
    kv.release(a, 0);
    kv.acquire(c, 0);
    kv.release(c, 0);
    expect(kv.cachedBlocks()).toBe(4);
    // Reusing `a` makes it most recent; one new block must then evict c's tail, not c's head.
    kv.acquire(a, 0);
    kv.release(a, 0);
    const e = blockHashes(block('e'), 'm');
    kv.acquire(e, 0);
    expect(kv.cachedBlocks()).toBe(4);
    expect(kv.matchPrefix(a)).toBe(2);
    expect(kv.matchPrefix(c)).toBe(1);
  });

  it('never evicts pinned blocks and refuses what cannot fit, changing nothing', () => {
    const kv = new KvCache(3);
    const a = blockHashes(block('a') + block('b'), 'm');
    expect(kv.acquire(a, 0)).toBe(0);
    const other = blockHashes(block('x') + block('y'), 'm');
    expect(kv.acquire(other, 0)).toBeUndefined();
    expect(kv.usedBlocks()).toBe(2);
    expect(kv.matchPrefix(a)).toBe(2);
    expect(kv.usage()).toBeCloseTo(2 / 3);
    // A second request sharing the pinned prefix needs only its one new block.
    const shared = blockHashes(block('a') + block('b') + block('q'), 'm');
    expect(kv.acquire(shared, 0)).toBe(2);
    kv.release(a, 0);
    expect(kv.matchPrefix(a)).toBe(2); // still pinned by `shared`
    expect(kv.usedBlocks()).toBe(3);
  });
});
