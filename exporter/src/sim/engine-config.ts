/**
 * The engine's knobs and their calibrated defaults. The reference run was Qwen3-0.6B on NVIDIA L4s
 * with vLLM; the defaults reproduce its shape (first turns about 330 ms TTFT for 3k-14k token
 * documents, cached later turns well under 100 ms, 2-11 s per answer of up to 500 tokens).
 * Measured with `kvcanary bench` at the reference defaults (11 conversations x 10 turns, 4 in flight,
 * max_tokens 500, the default corpus, seed 1) against `kvcanary sim` with 4 replicas:
 * round-robin first turn 304 ms, later 226 ms, speedup 1.35x, P95 1087 ms;
 * prefix-aware first turn 303 ms, later 43 ms, speedup 7.1x, P95 215 ms.
 */
export interface EngineConfig {
  /** Served model name; also seeds the block-hash chain. */
  model: string;
  /** Seeds the generated text (with the prompt) so runs replay exactly. */
  seed: number;
  /**
   * KV cache size in 16-token blocks. Qwen3-0.6B needs 112 KiB of KV per token (28 layers x 8 KV
   * heads x 128 dims x K and V x 2 bytes); an L4 at --gpu-memory-utilization 0.9 keeps about 17.5 GiB
   * for it after weights and activations: ~160k tokens, 10,240 blocks.
   */
  numGpuBlocks: number;
  /** vLLM's max_num_seqs: requests running at once; the rest wait. */
  maxNumSeqs: number;
  /** vLLM's max_num_batched_tokens: the token budget of one engine step (chunked prefill). */
  maxNumBatchedTokens: number;
  /** Longest prompt + answer accepted; longer requests get a 400, as from vLLM. */
  maxModelLen: number;
  /** Fixed cost of every engine step (kernel launches, sampling): the floor of TTFT and ITL. */
  stepBaseMs: number;
  /**
   * Prefill cost per uncached prompt token, the part that does not depend on context length: 1.2
   * GFLOP a token for 0.6B parameters at ~33% of an L4's 121 TFLOPS (a model this small keeps the
   * GPU far from its peak) is about 0.03 ms.
   */
  prefillMsPerToken: number;
  /**
   * Extra prefill cost per token for every 1,000 tokens before it: attention reads the whole context,
   * so prefill is superlinear and a long conversation missed by the cache costs far more than its
   * first turn did. Qwen3-0.6B: 4 x 28 layers x 2048 query dims FLOPs per token per position, at the
   * same utilisation about 0.0065 ms per 1,000 positions on an L4.
   */
  prefillAttentionMs: number;
  /** Extra cost per sequence decoding in a step (batched decode is nearly free per sequence). */
  decodeMsPerSeq: number;
  /** Cost of the API server before the engine sees a request (parsing, tokenising). */
  requestOverheadMs: number;
  /** Natural answer length range in tokens; a request's max_tokens cuts it short. */
  answerMinTokens: number;
  answerMaxTokens: number;
  /** Multiplies every cost: 0.1 runs ten times faster than real time, with the same shape. */
  timeScale: number;
}

export const DEFAULT_ENGINE_CONFIG: EngineConfig = {
  model: 'Qwen/Qwen3-0.6B',
  seed: 42,
  numGpuBlocks: 10240,
  maxNumSeqs: 64,
  maxNumBatchedTokens: 2048,
  // Qwen3's native context; the reference's 16000 with a real tokenizer holds its conversations,
  // which our coarser 4-characters-a-token count would overflow on the largest documents.
  maxModelLen: 40960,
  stepBaseMs: 12,
  prefillMsPerToken: 0.03,
  prefillAttentionMs: 0.0065,
  decodeMsPerSeq: 0.5,
  requestOverheadMs: 5,
  answerMinTokens: 150,
  answerMaxTokens: 700,
  timeScale: 1,
};

/** The knobs settable from outside (CLI flags in kebab-case, cluster options), with their checks. */
export function checkEngineConfig(c: EngineConfig): string | undefined {
  const positiveInts: (keyof EngineConfig)[] = ['numGpuBlocks', 'maxNumSeqs', 'maxNumBatchedTokens', 'maxModelLen', 'answerMinTokens', 'answerMaxTokens'];
  for (const k of positiveInts) {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) return `${k} must be a positive integer, got ${String(v)}`;
  }
  const nonNegative: (keyof EngineConfig)[] = ['stepBaseMs', 'prefillMsPerToken', 'prefillAttentionMs', 'decodeMsPerSeq', 'requestOverheadMs'];
  for (const k of nonNegative) {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return `${k} must be a number >= 0, got ${String(v)}`;
  }
  if (!(c.timeScale > 0) || !Number.isFinite(c.timeScale)) return `timeScale must be a number > 0, got ${c.timeScale}`;
  if (c.stepBaseMs <= 0) return `stepBaseMs must be > 0, got ${c.stepBaseMs}`;
  if (c.answerMinTokens > c.answerMaxTokens) return `answerMinTokens (${c.answerMinTokens}) must not exceed answerMaxTokens (${c.answerMaxTokens})`;
  if (c.model.length === 0) return 'model must not be empty';
  return undefined;
}
