/**
 * The tokenizer stand-in and the chained block hashes shared by the replica's KV cache and the
 * prefix-aware router. Real tokenizers average about 4 characters a token on English and code, so a
 * token here is simply 4 characters: deterministic, free, and close enough for cache arithmetic.
 */

export const CHARS_PER_TOKEN = 4;
/** vLLM's default block size, and llm-d's prefix-index block size. */
export const BLOCK_TOKENS = 16;
export const BLOCK_CHARS = CHARS_PER_TOKEN * BLOCK_TOKENS;

export function countTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/** cyrb53: a fast 53-bit string hash; collisions are negligible at the sizes a simulator holds. */
export function hashString(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/**
 * Hashes of the full blocks of `text`, each chained on the previous one (as vLLM and llm-d do), so a
 * block only matches when everything before it matches too. The chain is seeded by the model name:
 * the same text under another model shares nothing. A trailing partial block is never hashed (vLLM
 * only caches full blocks). `maxBlocks` caps the work, as llm-d's 256-block limit does.
 */
export function blockHashes(text: string, model: string, maxBlocks = Number.POSITIVE_INFINITY): number[] {
  const full = Math.min(Math.floor(text.length / BLOCK_CHARS), maxBlocks);
  const hashes = new Array<number>(full);
  let previous = hashString(model);
  for (let i = 0; i < full; i++) {
    // Fold the previous hash into the seed: 32 bits of it are plenty to chain.
    previous = hashString(text.slice(i * BLOCK_CHARS, (i + 1) * BLOCK_CHARS), (previous % 4294967296) ^ i);
    hashes[i] = previous;
  }
  return hashes;
}
