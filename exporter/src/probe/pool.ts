import type { Clock } from '../util/clock.js';
import type { Random } from '../util/random.js';
import { ConversationRun, thinkMs } from './conversation.js';
import type { ConversationScript } from './script.js';
import type { ConversationResult, ProbeClient, RequestRecord, ThinkTime } from './types.js';

export interface PoolOptions {
  client: ProbeClient;
  model: string;
  target: string;
  scripts: readonly ConversationScript[];
  /** Workers, hence the most requests in flight to the target at once. */
  parallel: number;
  maxTokens: number;
  timeoutMs: number;
  thinkTime: ThinkTime;
  clock: Clock;
  random: Random;
  signal: AbortSignal;
  includeUsage?: boolean;
  onRecord(record: RequestRecord): void;
  onConversation?(result: ConversationResult): void;
}

/**
 * A fixed run (bench), interleaved as the reference tool does: `parallel` workers take a
 * conversation from a FIFO queue, think for uniform(min, max), run one turn, and put the
 * conversation back at the end of the queue until it is done. A worker that finds the queue empty
 * waits while others still hold conversations that will come back, so parallelism does not
 * shrink before the end. Resolves with every conversation's result, in script order.
 */
export async function runPool(options: PoolOptions): Promise<ConversationResult[]> {
  if (!Number.isInteger(options.parallel) || options.parallel < 1) throw new RangeError('parallel must be a positive integer');
  const { clock, random, signal } = options;
  const queue: ConversationRun[] = options.scripts.map(
    (script) =>
      new ConversationRun({
        client: options.client,
        model: options.model,
        script,
        target: options.target,
        maxTokens: options.maxTokens,
        timeoutMs: options.timeoutMs,
        thinkTime: options.thinkTime,
        clock,
        random,
        signal,
        includeUsage: options.includeUsage,
        onRecord: options.onRecord,
      }),
  );
  const all = [...queue];
  let held = 0; // conversations taken by a worker and not yet requeued or finished
  let wake: (() => void)[] = [];
  const notify = (): void => {
    const waiting = wake;
    wake = [];
    for (const w of waiting) w();
  };
  signal.addEventListener('abort', notify, { once: true });

  const worker = async (): Promise<void> => {
    for (;;) {
      if (signal.aborted) return;
      const run = queue.shift();
      if (!run) {
        if (held === 0) return; // nothing queued, nothing coming back: the run is over
        await new Promise<void>((resolve) => wake.push(resolve));
        continue;
      }
      held++;
      try {
        await clock.sleep(thinkMs(random, options.thinkTime), signal);
        await run.runTurn();
      } finally {
        held--;
        if (run.done) options.onConversation?.(run.result());
        else if (!signal.aborted) queue.push(run);
        notify();
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: Math.min(options.parallel, Math.max(queue.length, 1)) }, worker));
  } finally {
    signal.removeEventListener('abort', notify);
  }
  // Aborted runs that never finished are reported as cancelled, once.
  return all.map((run) => {
    const result = run.result();
    if (!run.done) {
      const cancelled = { ...result, outcome: 'cancelled' as const };
      options.onConversation?.(cancelled);
      return cancelled;
    }
    return result;
  });
}
