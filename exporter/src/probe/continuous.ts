import type { RequestRecord } from '@kvcanary/contract/schemas';
import type { SeedDocument } from '../corpus/types.js';
import { systemClock, type Clock } from '../util/clock.js';
import { seededRandom } from '../util/random.js';
import { runConversation } from './conversation.js';
import { Limiter } from './limiter.js';
import { conversationScript, conversationSeed } from './script.js';
import type { ConversationResult, ProbeClient, ThinkTime } from './types.js';

export interface ContinuousTarget {
  /** The `target` label; never a URL. */
  name: string;
  client: ProbeClient;
  model: string;
}

/**
 * concurrency: that many conversations in progress per target at all times (a steady load).
 * conversationsPerMinute: a new conversation starts on every target at that rate; at most
 * `maxConversationsPerTarget` (default 4 x parallel) run at once per target, beyond which a start is
 * skipped (reported, so the pairing gap is visible) rather than queued without bound.
 */
export type Pace = { concurrency: number } | { conversationsPerMinute: number; maxConversationsPerTarget?: number };

export interface ContinuousOptions {
  targets: readonly ContinuousTarget[];
  documents: readonly SeedDocument[];
  turns: number;
  /** Seeds every conversation script (conversation i is the same on every target and every restart). */
  seed: number;
  pace: Pace;
  /** Requests in flight per target, at most (default 4, as the reference's --parallel). */
  parallel?: number;
  maxTokens: number;
  timeoutMs: number;
  thinkTime: ThinkTime;
  clock?: Clock;
  includeUsage?: boolean;
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
 * The serve-mode engine: runs forever, paired across targets (conversation i, built from the seed,
 * is run against every target), and keeps no per-conversation state once a conversation ends, so
 * memory is bounded by the conversations in progress.
 */
export function startContinuous(options: ContinuousOptions): ContinuousHandle {
  if (options.targets.length === 0) throw new Error('no targets to probe');
  if (options.documents.length === 0) throw new Error('no documents to build conversations from');
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

  const limiters = options.targets.map(() => new Limiter(parallel));
  const thinkRandom = options.targets.map((_, i) => seededRandom(conversationSeed(options.seed ^ 0x5bd1e995, i)));
  const running = new Set<Promise<void>>();

  const runOne = async (targetIndex: number, id: number): Promise<void> => {
    const target = options.targets[targetIndex] as ContinuousTarget;
    let result: ConversationResult;
    try {
      result = await runConversation({
        client: target.client,
        model: target.model,
        script: conversationScript({ id, documents: options.documents, turns: options.turns, seed: options.seed }),
        target: target.name,
        maxTokens: options.maxTokens,
        timeoutMs: options.timeoutMs,
        thinkTime: options.thinkTime,
        clock,
        random: thinkRandom[targetIndex] ?? seededRandom(id),
        signal: hard.signal,
        stopSignal: soft.signal,
        includeUsage: options.includeUsage,
        limiter: limiters[targetIndex],
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
    // Each target takes ids 0, 1, 2, ... from its own counter: every target runs every script, and
    // a slow target does not hold back a fast one (pairs form by id as both get there).
    loops = Promise.all(
      options.targets.map((_, t) => {
        let next = 0;
        const slot = async (): Promise<void> => {
          while (!soft.signal.aborted) await track(runOne(t, next++));
        };
        return Promise.all(Array.from({ length: pace.concurrency }, slot));
      }),
    ).then(() => undefined);
  } else {
    if (!(pace.conversationsPerMinute > 0)) throw new RangeError('conversationsPerMinute must be positive');
    const intervalMs = 60_000 / pace.conversationsPerMinute;
    const cap = pace.maxConversationsPerTarget ?? 4 * parallel;
    const inProgress = options.targets.map(() => 0);
    loops = (async () => {
      for (let id = 0; !soft.signal.aborted; id++) {
        options.targets.forEach((target, t) => {
          if ((inProgress[t] as number) >= cap) {
            reportConversation({ target: target.name, conversation: id, outcome: 'skipped', turnsRun: 0, turnsSucceeded: 0 });
            return;
          }
          inProgress[t] = (inProgress[t] as number) + 1;
          void track(runOne(t, id).finally(() => (inProgress[t] = (inProgress[t] as number) - 1)));
        });
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
