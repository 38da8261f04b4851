import type { RequestRecord } from '@kvcanary/contract/schemas';
import { systemClock, type Clock } from '../util/clock.js';
import { runConversation } from './conversation.js';
import { Limiter } from './limiter.js';
import { conversationScript, type ScriptPlan } from './script.js';
import type { ConversationResult, EngineTarget } from './types.js';

/**
 * concurrency: that many conversations in progress at all times (a steady load).
 * conversationsPerMinute: a new conversation starts at that rate; at most
 * `maxConversations` (default 4 x parallel) run at once, beyond which a start is skipped (reported,
 * so the pairing gap is visible) rather than queued without bound.
 */
export type Pace = { concurrency: number } | { conversationsPerMinute: number; maxConversations?: number };

export interface ContinuousOptions {
  target: EngineTarget;
  /** Conversation i is `conversationScript(plan, i)`: the same on every target and every restart. */
  plan: ScriptPlan;
  pace: Pace;
  /** Requests in flight at most (default 4, as the reference's --parallel). */
  parallel?: number;
  clock?: Clock;
  onRecord(record: RequestRecord): void;
  onConversation?(result: ConversationResult): void;
  /** Stops everything at once, as stop(0) does. */
  signal?: AbortSignal;
}

export interface ContinuousHandle {
  /**
   * Starts no new turn, lets requests in flight finish for up to graceMs, then aborts them; resolves
   * when every conversation has ended (cancelled ones reported through onConversation).
   */
  stop(graceMs: number): Promise<void>;
  /** Resolves when the engine has stopped, by stop() or by the signal. */
  readonly done: Promise<void>;
}

/**
 * The serve-mode engine for one target: runs conversations 0, 1, 2, ... of the plan forever, and
 * keeps no per-conversation state once a conversation ends, so memory is bounded by the
 * conversations in progress. One engine per target, all on one plan: conversation i is the same
 * script everywhere (paired), and a slow target never holds back a fast one.
 */
export function startContinuous(options: ContinuousOptions): ContinuousHandle {
  if (options.plan.documents.length === 0) throw new Error('no documents to build conversations from');
  const { target, plan } = options;
  const clock = options.clock ?? systemClock;
  const parallel = options.parallel ?? 4;
  const soft = new AbortController(); // no new turns, wake sleepers
  const hard = new AbortController(); // cut requests in flight
  const onExternalAbort = (): void => {
    soft.abort();
    hard.abort();
  };
  options.signal?.addEventListener('abort', onExternalAbort, { once: true });
  if (options.signal?.aborted) onExternalAbort();

  // A throwing callback must not stop the engine: the exporter's metrics are the callbacks.
  const reportConversation = (result: ConversationResult): void => {
    try {
      options.onConversation?.(result);
    } catch {
      // nothing sensible to do with a failing observer here; the next conversation reports again
    }
  };

  const limiter = new Limiter(parallel);
  const running = new Set<Promise<void>>();

  const runOne = async (id: number): Promise<void> => {
    let result: ConversationResult;
    try {
      result = await runConversation({
        target,
        script: conversationScript(plan, id),
        clock,
        signal: hard.signal,
        stopSignal: soft.signal,
        limiter,
        onRecord: options.onRecord,
      });
    } catch {
      // Only a throwing onRecord callback can get here; the conversation is lost, the engine is not.
      result = { target: target.name, conversation: id, outcome: 'failed', turnsRun: 0, turnsSucceeded: 0 };
    }
    reportConversation(result);
  };

  const track = (p: Promise<void>): Promise<void> => {
    running.add(p);
    void p.finally(() => running.delete(p));
    return p;
  };

  let loops: Promise<void>;
  const pace = options.pace;
  if ('concurrency' in pace) {
    if (!Number.isInteger(pace.concurrency) || pace.concurrency < 1) throw new RangeError('concurrency must be a positive integer');
    let next = 0;
    const slot = async (): Promise<void> => {
      while (!soft.signal.aborted) await track(runOne(next++));
    };
    loops = Promise.all(Array.from({ length: pace.concurrency }, slot)).then(() => undefined);
  } else {
    if (!(pace.conversationsPerMinute > 0)) throw new RangeError('conversationsPerMinute must be positive');
    const intervalMs = 60_000 / pace.conversationsPerMinute;
    const cap = pace.maxConversations ?? 4 * parallel;
    let inProgress = 0;
    loops = (async () => {
      for (let id = 0; !soft.signal.aborted; id++) {
        if (inProgress >= cap) {
          reportConversation({ target: target.name, conversation: id, outcome: 'skipped', turnsRun: 0, turnsSucceeded: 0 });
        } else {
          inProgress++;
          void track(runOne(id).finally(() => inProgress--));
        }
        await clock.sleep(intervalMs, soft.signal);
      }
    })();
  }

  const done = (async () => {
    await loops;
    while (running.size > 0) await Promise.all([...running]);
    options.signal?.removeEventListener('abort', onExternalAbort);
  })();

  return {
    done,
    async stop(graceMs: number) {
      soft.abort();
      if (graceMs > 0) {
        const timer = new AbortController();
        await Promise.race([done, clock.sleep(graceMs, timer.signal)]);
        timer.abort();
      }
      hard.abort();
      await done;
    },
  };
}
