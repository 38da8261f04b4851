/**
 * llm-d's approximate prefix index for one replica: the block hashes of requests recently routed
 * there, as a bounded LRU (about 31k entries in llm-d). It is what the router believes the replica
 * caches; it is updated when a request is routed, never told about evictions.
 */
export class PrefixIndex {
  private readonly entries = new Map<number, true>();

  constructor(readonly capacity = 31_250) {}

  /** Leading blocks of `hashes` the index holds. */
  match(hashes: readonly number[]): number {
    let n = 0;
    while (n < hashes.length && this.entries.has(hashes[n] as number)) n++;
    return n;
  }

  add(hashes: readonly number[]): void {
    for (const h of hashes) {
      this.entries.delete(h);
      this.entries.set(h, true);
    }
    for (const h of this.entries.keys()) {
      if (this.entries.size <= this.capacity) break;
      this.entries.delete(h);
    }
  }

  size(): number {
    return this.entries.size;
  }
}
