import { replicaLabelValue } from '@kvcanary/contract';
import type { RequestRecord } from '@kvcanary/contract/schemas';
import type { ChatMessage, ChatResult } from '../client/types.js';
import type { Clock } from '../util/clock.js';
import type { Limiter } from './limiter.js';
import { nextMessages, type ConversationScript } from './script.js';
import type { ConversationResult, EngineTarget } from './types.js';

/**
 * Everything one conversation against one target needs: the engine's single seam. serve (the
 * continuous engine), bench (the worker pool) and /probe all run conversations through it, with the
 * scripts of one ScriptPlan.
 */
export interface ConversationContext {
  target: EngineTarget;
  script: ConversationScript;
  clock: Clock;
  /** Aborts the request in flight and every wait. */
  signal: AbortSignal;
  /** Stops before the next turn without cutting the one in flight (graceful stop); defaults to signal. */
  stopSignal?: AbortSignal;
  /** Bounds the requests in flight across conversations to one target. */
  limiter?: Limiter;
  onRecord(record: RequestRecord): void;
}

/**
 * One conversation, one turn at a time, so that a worker pool can interleave turns of many
 * conversations as the reference tool does. Failure policy: a failed turn is recorded with its
 * outcome; if it still produced text (a stream cut short), that text is fed back as the answer and
 * the conversation goes on, as the reference reuses whatever answer it got; with no text there is
 * nothing to continue from, so the conversation ends, failed. An answer that broke the client's
 * limits (client/limits.ts) comes back with no text, so a runaway answer is never sent back.
 */
export class ConversationRun {
  private turn = 0;
  private messages: ChatMessage[] = [];
  private answer = '';
  private succeeded = 0;
  private failed = false;
  private cancelled = false;
  private ended = false;

  constructor(readonly ctx: ConversationContext) {}

  get done(): boolean {
    return this.ended;
  }

  /** The script's pause before the next turn. */
  get thinkMs(): number {
    return this.ctx.script.thinkMs[this.turn] ?? 0;
  }

  /** Runs the next turn (no think time: the caller decides when). */
  async runTurn(): Promise<void> {
    const { ctx } = this;
    if (this.ended) return;
    if (ctx.signal.aborted || ctx.stopSignal?.aborted) return this.cancel();
    const release = ctx.limiter ? await ctx.limiter.acquire(ctx.signal) : () => undefined;
    if (release === null) return this.cancel();
    try {
      const turn = this.turn + 1;
      const messages = nextMessages(ctx.script, this.messages, this.answer, turn);
      const result = await this.send(messages);
      this.turn = turn;
      this.messages = messages;
      const { text, replica, ...measured } = result;
      // The header's value becomes the replica label value here, once, by the rule discovery uses too.
      const label = replica === undefined ? null : replicaLabelValue(replica);
      ctx.onRecord({
        ...measured,
        ...(label !== null && { replica: label }),
        target: ctx.target.name,
        conversation: ctx.script.id,
        turn,
        docType: ctx.script.document.type,
        document: ctx.script.document.name,
      });
      if (result.outcome === 'success') this.succeeded++;
      else if (result.outcome === 'cancelled') return this.cancel();
      else this.failed = true;
      if (result.outcome !== 'success' && text.length === 0) this.ended = true;
      this.answer = text;
      if (turn >= ctx.script.turns) this.ended = true;
    } finally {
      release();
    }
  }

  /** The client reports failures as outcomes; should it throw anyway, that is one failed request, not a dead worker. */
  private async send(messages: ChatMessage[]): Promise<ChatResult> {
    const { ctx } = this;
    const { target } = ctx;
    const startedAt = ctx.clock.wallNow();
    const t0 = ctx.clock.now();
    try {
      return await target.client.chat({
        model: target.model,
        messages,
        maxTokens: target.maxTokens,
        ...(target.limits && { limits: target.limits }),
        timeoutMs: target.timeoutMs,
        includeUsage: target.includeUsage ?? true,
        signal: ctx.signal,
      });
    } catch (err) {
      const outcome = ctx.signal.aborted ? 'cancelled' : 'stream_error';
      const error = err instanceof Error ? err.message : String(err);
      return { outcome, error, startedAt, totalMs: ctx.clock.now() - t0, text: '' };
    }
  }

  private cancel(): void {
    this.cancelled = true;
    this.ended = true;
  }

  result(): ConversationResult {
    const outcome = this.cancelled ? 'cancelled' : this.failed || !this.ended ? 'failed' : 'completed';
    return { target: this.ctx.target.name, conversation: this.ctx.script.id, outcome, turnsRun: this.turn, turnsSucceeded: this.succeeded };
  }
}

/** A whole conversation: think, run a turn, until its last turn, a failure with no answer, or a stop. */
export async function runConversation(ctx: ConversationContext): Promise<ConversationResult> {
  const run = new ConversationRun(ctx);
  const stop = ctx.stopSignal ?? ctx.signal;
  while (!run.done) {
    await ctx.clock.sleep(run.thinkMs, stop);
    await run.runTurn();
  }
  return run.result();
}
