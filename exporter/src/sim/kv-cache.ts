/**
 * A block KV cache with prefix caching, after vLLM's: a fixed number of blocks; blocks holding a
 * full, hashed block of tokens stay cached after their request finishes and can be reused by any
 * later request whose prompt starts the same way; blocks in use by a running request are pinned
 * (reference-counted) and never evicted; unpinned cached blocks are evicted least recently used first
 * when a new block is needed. Blocks that do not (yet) hold a full hashed block — the tail of a
 * prompt, the room reserved for the answer — are anonymous: counted, never cached.
 */
export class KvCache {
  /** Reference counts of hashed blocks; 0 means cached but free, and then it is also in `lru`. */
  private readonly refs = new Map<number, number>();
  /** Free cached blocks, least recently used first (Map keeps insertion order). */
  private readonly lru = new Map<number, true>();
  private anonymous = 0;
  private pinned = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity <= 0) throw new RangeError(`KV cache capacity must be a positive integer, got ${capacity}`);
  }

  /** Leading blocks of `hashes` already cached: the prefix a request would not have to compute. */
  matchPrefix(hashes: readonly number[]): number {
    let n = 0;
    while (n < hashes.length && this.refs.has(hashes[n] as number)) n++;
    return n;
  }

  /**
   * Pin `hashes` (a request's full prompt blocks) plus `extra` anonymous blocks, evicting free cached
   * blocks as needed. Returns how many leading blocks were already cached, or undefined — changing
   * nothing — when there is not room even after evicting every free block.
   */
  acquire(hashes: readonly number[], extra: number): number | undefined {
    let fresh = 0;
    let reusedFree = 0;
    for (const h of hashes) {
      const refs = this.refs.get(h);
      if (refs === undefined) fresh++;
      else if (refs === 0) reusedFree++;
    }
    if (this.pinned + reusedFree + fresh + this.anonymous + extra > this.capacity) return undefined;
    const hits = this.matchPrefix(hashes);
    for (const h of hashes) this.pin(h);
    this.anonymous += extra;
    this.evictOverflow();
    return hits;
  }

  /**
   * Unpin what `acquire` pinned. `computed` are the hashes of the full blocks the request produced
   * beyond its prompt (its answer, and the prompt's tail now completed by the answer); they take the
   * place of anonymous blocks and stay cached, as vLLM caches every full block it computed.
   */
  release(hashes: readonly number[], extra: number, computed: readonly number[] = []): void {
    this.anonymous -= extra;
    const kept: number[] = [];
    let slots = extra;
    for (const h of computed) {
      if (this.refs.has(h)) kept.push(h);
      else if (slots > 0) {
        slots--;
        kept.push(h);
      }
    }
    // Tail first into the free list, so a chain is evicted from its end and a shared prefix lives
    // longest (vLLM frees a request's blocks in reverse order for the same reason).
    for (let i = kept.length - 1; i >= 0; i--) {
      const h = kept[i] as number;
      if (!this.refs.has(h)) {
        this.refs.set(h, 0);
        this.lru.set(h, true);
      } else if (this.lru.delete(h)) {
        this.lru.set(h, true);
      }
    }
    for (let i = hashes.length - 1; i >= 0; i--) this.unpin(hashes[i] as number);
  }

  /** Blocks in use by running requests, as a share of capacity: vLLM's kv_cache_usage_perc. */
  usage(): number {
    return (this.pinned + this.anonymous) / this.capacity;
  }

  /** Hashed blocks held, pinned or not. */
  cachedBlocks(): number {
    return this.refs.size;
  }

  usedBlocks(): number {
    return this.pinned + this.anonymous;
  }

  private pin(h: number): void {
    const refs = this.refs.get(h);
    if (refs === undefined) {
      this.refs.set(h, 1);
    } else {
      if (refs === 0) this.lru.delete(h);
      this.refs.set(h, refs + 1);
    }
    if (refs === undefined || refs === 0) this.pinned++;
  }

  private unpin(h: number): void {
    const refs = this.refs.get(h);
    if (refs === undefined || refs === 0) return;
    this.refs.set(h, refs - 1);
    if (refs === 1) {
      this.pinned--;
      this.lru.set(h, true);
    }
  }

  /** Evict least recently used free blocks until everything held fits the capacity. */
  private evictOverflow(): void {
    let over = this.pinned + this.anonymous + this.lru.size - this.capacity;
    for (const h of this.lru.keys()) {
      if (over <= 0) break;
      this.lru.delete(h);
      this.refs.delete(h);
      over--;
    }
  }
}
