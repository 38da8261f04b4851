import type { Clock } from '../util/clock.js';
import { BLOCK_TOKENS, blockHashes, countTokens } from './block-hash.js';
import type { EngineConfig } from './engine-config.js';
import { KvCache } from './kv-cache.js';
import { generateAnswer } from './text.js';

export type FinishReason = 'stop' | 'length' | 'abort';

/** One request's life in the engine; times in clock milliseconds. */
export interface FinishedRequest {
  promptTokens: number;
  cachedTokens: number;
  completionTokens: number;
  finishReason: FinishReason;
  arrivedAt: number;
  scheduledAt?: number;
  firstTokenAt?: number;
  finishedAt: number;
}

/** What a caller hears about its own request. */
export interface RequestSink {
  /** After scheduling: how much of the prompt the prefix cache held. */
  onScheduled?(info: { promptTokens: number; cachedTokens: number }): void;
  onToken(text: string): void;
  onFinish(result: FinishedRequest): void;
}

/** What the metrics hear about every request. */
export interface EngineObserver {
  onScheduled(info: { promptTokens: number; cachedTokens: number }): void;
  onToken(gapMs: number): void;
  onFinished(result: FinishedRequest): void;
}

/** Faults that change the engine's speed at run time. */
export interface EngineSlowdown {
  prefillMultiplier: number;
  slowTokenMs: number;
}

export class EngineRejection extends Error {
  override name = 'EngineRejection';
}

interface Sequence {
  readonly prompt: string;
  readonly promptTokens: number;
  readonly hashes: number[];
  readonly answer: string[];
  readonly finishReason: 'stop' | 'length';
  readonly extraBlocks: number;
  readonly sink: RequestSink;
  readonly arrivedAt: number;
  scheduledAt?: number;
  firstTokenAt?: number;
  lastTokenAt?: number;
  cachedTokens: number;
  prefilled: number;
  emitted: number;
  cancelled: boolean;
}

/**
 * A vLLM V1-style engine loop: every step has a token budget; running sequences that are decoding
 * take one token each, then prefills take what is left in arrival order (chunked prefill), so
 * concurrent prefills share the engine and slow each other's TTFT, and decodes slow while a long
 * prefill runs, as on a GPU. A step lasts base + prefill tokens x cost (growing with their position)
 * + decoding sequences x cost, and every sequence reads its context's KV once.
 * Waiting requests are admitted while fewer than maxNumSeqs run and the KV cache has room.
 */
export class Engine {
  readonly kv: KvCache;
  private readonly waiting: Sequence[] = [];
  private readonly running: Sequence[] = [];
  private looping = false;
  /** Busy intervals [start, end] of recent steps, for the GPU-utilisation figure. */
  private readonly busy: [number, number][] = [];
  slowdown: EngineSlowdown = { prefillMultiplier: 1, slowTokenMs: 0 };

  constructor(
    readonly config: EngineConfig,
    private readonly clock: Clock,
    private readonly observer?: EngineObserver,
  ) {
    this.kv = new KvCache(config.numGpuBlocks);
  }

  /** Queue a prompt; returns a cancel function. Throws EngineRejection for requests that can never run. */
  submit(prompt: string, maxTokens: number, sink: RequestSink): () => void {
    const c = this.config;
    const promptTokens = countTokens(prompt);
    if (promptTokens + maxTokens > c.maxModelLen) {
      throw new EngineRejection(
        `This model's maximum context length is ${c.maxModelLen} tokens. However, you requested ${promptTokens + maxTokens} tokens (${promptTokens} in the messages, ${maxTokens} in the completion).`,
      );
    }
    const { tokens, finishReason } = generateAnswer(prompt, c.seed, { minTokens: c.answerMinTokens, maxTokens: c.answerMaxTokens, limit: maxTokens });
    const hashes = blockHashes(prompt, c.model);
    const extraBlocks = Math.ceil((promptTokens + tokens.length) / BLOCK_TOKENS) - hashes.length;
    if (hashes.length + extraBlocks > c.numGpuBlocks) throw new EngineRejection(`request needs ${hashes.length + extraBlocks} KV blocks, the cache has ${c.numGpuBlocks}`);
    const seq: Sequence = {
      prompt, promptTokens, hashes, answer: tokens, finishReason, extraBlocks, sink,
      arrivedAt: this.clock.now(), cachedTokens: 0, prefilled: 0, emitted: 0, cancelled: false,
    };
    this.waiting.push(seq);
    this.kick();
    return () => this.cancel(seq);
  }

  runningCount(): number {
    return this.running.length;
  }

  waitingCount(): number {
    return this.waiting.length;
  }

  /** Share of the last `windowMs` the engine spent in steps, 0-1. */
  utilization(windowMs: number): number {
    const now = this.clock.now();
    const from = now - windowMs;
    let busy = 0;
    for (const [start, end] of this.busy) busy += Math.max(0, Math.min(end, now) - Math.max(start, from));
    return Math.min(1, busy / windowMs);
  }

  private cancel(seq: Sequence): void {
    if (seq.cancelled) return;
    seq.cancelled = true;
    const i = this.waiting.indexOf(seq);
    if (i >= 0) {
      this.waiting.splice(i, 1);
      this.finish(seq, 'abort');
    }
    // A running sequence is retired at the end of the current step, when its blocks are free.
  }

  private kick(): void {
    if (this.looping) return;
    this.looping = true;
    // Start on the next microtask, so requests arriving in the same tick share the first step.
    queueMicrotask(() => void this.loop());
  }

  private async loop(): Promise<void> {
    // Steps run back to back on the engine's own timeline, as a GPU runs them whatever the host is
    // doing: a timer that fires late shortens the next sleep instead of delaying every later step.
    // A step never starts before a request it works on was admitted.
    let start = this.clock.now();
    while (this.waiting.length > 0 || this.running.length > 0) {
      if (this.admit()) start = Math.max(start, this.clock.now());
      const plan = this.plan();
      const c = this.config;
      // Fault slowdowns are real milliseconds, not scaled: a test sets what it means to see.
      const ms =
        (c.stepBaseMs + plan.prefillMs * this.slowdown.prefillMultiplier + plan.decodeMs) * c.timeScale +
        (plan.decoding.length > 0 ? this.slowdown.slowTokenMs : 0);
      const end = start + ms;
      await this.clock.sleep(end - this.clock.now());
      this.recordBusy(start, end);
      this.apply(plan, this.clock.now());
      start = end;
    }
    this.looping = false;
  }

  /** Move waiting requests to running while there is room; true when any moved. */
  private admit(): boolean {
    let admitted = false;
    while (this.waiting.length > 0 && this.running.length < this.config.maxNumSeqs) {
      const seq = this.waiting[0] as Sequence;
      const hits = this.kv.acquire(seq.hashes, seq.extraBlocks);
      if (hits === undefined) break; // first come, first served: the head waits for room
      admitted = true;
      this.waiting.shift();
      // vLLM always computes at least the last prompt token, to get logits for the first output.
      seq.cachedTokens = Math.min(hits * BLOCK_TOKENS, seq.promptTokens - 1);
      seq.prefilled = seq.cachedTokens;
      seq.scheduledAt = this.clock.now();
      this.running.push(seq);
      const info = { promptTokens: seq.promptTokens, cachedTokens: seq.cachedTokens };
      this.observer?.onScheduled(info);
      seq.sink.onScheduled?.(info);
    }
    return admitted;
  }

  private plan(): { decoding: Sequence[]; decodeMs: number; prefills: [Sequence, number][]; prefillMs: number } {
    let budget = this.config.maxNumBatchedTokens;
    const { decodeMsPerSeq, prefillMsPerToken, prefillAttentionMs, kvReadMs } = this.config;
    const decoding = this.running.filter((s) => s.prefilled >= s.promptTokens);
    budget -= decoding.length;
    // Every sequence in a step reads the KV of the context before its new tokens once: the
    // memory-bound part of attention, which dominates decode and short prefills at long contexts.
    const decodeMs = decoding.reduce((ms, s) => ms + decodeMsPerSeq + (kvReadMs / 1000) * (s.promptTokens + s.emitted), 0);
    const prefills: [Sequence, number][] = [];
    let prefillMs = 0;
    for (const s of this.running) {
      if (budget <= 0) break;
      const left = s.promptTokens - s.prefilled;
      if (left <= 0) continue;
      const chunk = Math.min(left, budget);
      prefills.push([s, chunk]);
      // Token i attends to the i tokens before it (cached or not): the sum over the chunk of
      // a + b * i / 1000 is a * chunk + b / 1000 * chunk * (mean position).
      prefillMs += chunk * (prefillMsPerToken + (prefillAttentionMs / 1000) * (s.prefilled + (chunk - 1) / 2)) + (kvReadMs / 1000) * s.prefilled;
      budget -= chunk;
    }
    return { decoding, decodeMs, prefills, prefillMs };
  }

  private apply(plan: ReturnType<Engine['plan']>, now: number): void {
    for (const [s, chunk] of plan.prefills) {
      s.prefilled += chunk;
      // The last prefill chunk also samples the first output token.
      if (s.prefilled >= s.promptTokens) this.emit(s, now);
    }
    for (const s of plan.decoding) this.emit(s, now);
    for (let i = this.running.length - 1; i >= 0; i--) {
      const s = this.running[i] as Sequence;
      const done = s.emitted >= s.answer.length;
      if (!s.cancelled && !done) continue;
      this.running.splice(i, 1);
      const full = blockHashes(s.prompt + s.answer.slice(0, s.emitted).join(''), this.config.model);
      this.kv.release(s.hashes, s.extraBlocks, full.slice(s.hashes.length));
      this.finish(s, s.cancelled ? 'abort' : s.finishReason);
    }
  }

  private emit(s: Sequence, now: number): void {
    if (s.cancelled || s.emitted >= s.answer.length) return;
    const text = s.answer[s.emitted] as string;
    s.emitted++;
    if (s.lastTokenAt === undefined) s.firstTokenAt = now;
    else this.observer?.onToken(now - s.lastTokenAt);
    s.lastTokenAt = now;
    s.sink.onToken(text);
  }

  private finish(s: Sequence, reason: FinishReason): void {
    const result: FinishedRequest = {
      promptTokens: s.promptTokens,
      cachedTokens: s.cachedTokens,
      completionTokens: s.emitted,
      finishReason: reason,
      arrivedAt: s.arrivedAt,
      finishedAt: this.clock.now(),
    };
    if (s.scheduledAt !== undefined) result.scheduledAt = s.scheduledAt;
    if (s.firstTokenAt !== undefined) result.firstTokenAt = s.firstTokenAt;
    this.observer?.onFinished(result);
    s.sink.onFinish(result);
  }

  private recordBusy(start: number, end: number): void {
    this.busy.push([start, end]);
    // Keep a minute of history at most; utilisation windows are seconds.
    while (this.busy.length > 0 && (this.busy[0] as [number, number])[1] < end - 60_000) this.busy.shift();
  }
}
