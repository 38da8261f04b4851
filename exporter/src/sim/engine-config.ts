/**
 * The engine's knobs and their calibrated defaults. The reference run was Qwen3-0.6B on 4 NVIDIA L4s
 * with vLLM; each default below is a published measurement or a figure derived from the model's
 * shape and the L4's datasheet (121 TFLOPS dense BF16, 300 GB/s), with the utilisation assumed, and
 * the assumptions fitted to the reference's own figures by `sim/scripts/calibrate.ts`. The
 * calibrated table and every parameter's source are in sim/README.md.
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
  /**
   * vLLM's max_num_batched_tokens: the token budget of one engine step (chunked prefill); 2048 is
   * vLLM's default for the API server on a GPU under 70 GiB (vllm/engine/arg_utils.py).
   */
  maxNumBatchedTokens: number;
  /** Longest prompt + answer accepted; longer requests get a 400, as from vLLM. */
  maxModelLen: number;
  /**
   * Fixed cost of every engine step (weights read, kernel launches, sampling): the floor of ITL and
   * of every prefill step. Measured: ITL p50 5.1 ms for Qwen2.5-0.5B on one L4 at concurrency 1
   * (vLLM 0.23, ai.wmx.dev/benchmarks); Qwen3-0.6B has 28 layers to its 24.
   */
  stepBaseMs: number;
  /**
   * Prefill cost per uncached prompt token, the part that does not depend on context length:
   * 0.88 GFLOP a token (2 x 0.44 B non-embedding parameters) is 7.3 us at the L4's peak; 0.02 ms
   * assumes ~36 % of it, fitted to the reference's first-turn TTFT.
   */
  prefillMsPerToken: number;
  /**
   * Extra prefill cost per token for every 1,000 tokens before it: attention computes over the whole
   * context, so prefill is superlinear. 4 x 28 layers x 2048 query dims FLOPs per token per
   * position is 1.9 us per 1,000 positions at the L4's peak; 0.0035 ms assumes ~54 %, what
   * FlashAttention-2 reaches (50-73 % of peak, arXiv 2307.08691), fitted with prefillMsPerToken.
   */
  prefillAttentionMs: number;
  /**
   * Extra cost per sequence decoding in a step. Measured: ITL p50 5.1 ms at 1 and 7.1 ms at 32
   * concurrent requests, same benchmark as stepBaseMs (short contexts): ~0.05 ms a sequence.
   */
  decodeMsPerSeq: number;
  /**
   * Cost per sequence in a step for every 1,000 tokens of context it reads (its KV cache): 1,000 x
   * 112 KiB at the L4's 300 GB/s is 0.38 ms. It makes decode and short prefills slow at long
   * contexts, and a replica busy with long conversations slow for everyone on it.
   */
  kvReadMs: number;
  /**
   * Fixed host cost before the engine sees a request (HTTP, JSON, scheduling). With
   * frontendMsPerToken, fitted to the reference's fastest requests (44.47 ms straight to vLLM,
   * 51.86 ms through llm-d) and its later-turn mean through llm-d (94 ms), all served from cache.
   */
  requestOverheadMs: number;
  /**
   * Host cost per prompt token, cached or not: chat template, tokeniser, prefix-cache block hashes,
   * the body on the wire. Tokenising alone measured 1.15 us a token (NVIDIA/TensorRT-LLM PR 18389:
   * 43.7 ms for 38k tokens); 0.005 ms is fitted with requestOverheadMs.
   */
  frontendMsPerToken: number;
  /**
   * Natural answer length range in tokens; a request's max_tokens cuts it short. Not calibrated:
   * with the reference's max_tokens 500, 36 % of answers reach the limit.
   */
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
  stepBaseMs: 6,
  prefillMsPerToken: 0.02,
  prefillAttentionMs: 0.0035,
  decodeMsPerSeq: 0.05,
  kvReadMs: 0.4,
  requestOverheadMs: 12,
  frontendMsPerToken: 0.005,
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
  const nonNegative: (keyof EngineConfig)[] = ['stepBaseMs', 'prefillMsPerToken', 'prefillAttentionMs', 'decodeMsPerSeq', 'kvReadMs', 'requestOverheadMs', 'frontendMsPerToken'];
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
