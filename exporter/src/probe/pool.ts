import { ConversationRun, type ConversationContext } from './conversation.js';
import type { ConversationScript } from './script.js';
import type { ConversationResult } from './types.js';

/** A conversation's context for each of `scripts`; the workers themselves bound what is in flight. */
export interface PoolOptions extends Omit<ConversationContext, 'script' | 'stopSignal' | 'limiter'> {
  scripts: readonly ConversationScript[];
  /** Workers, hence the most requests in flight to the target at once. */
  parallel: number;
  onConversation?(result: ConversationResult): void;
}

/**
 * A fixed run (bench), interleaved as the reference tool does: `parallel` workers take a
 * conversation from a FIFO queue, think for the script's pause, run one turn, and put the
 * conversation back at the end of the queue until it is done. A worker that finds the queue empty
 * waits while others still hold conversations that will come back, so parallelism does not
 * shrink before the end. Resolves with every conversation's result, in script order.
 */
export async function runPool(options: PoolOptions): Promise<ConversationResult[]> {
  const { scripts, parallel, onConversation, ...context } = options;
  if (!Number.isInteger(parallel) || parallel < 1) throw new RangeError('parallel must be a positive integer');
  const { clock, signal } = context;
  const queue: ConversationRun[] = scripts.map((script) => new ConversationRun({ ...context, script }));
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
        await clock.sleep(run.thinkMs, signal);
        await run.runTurn();
      } finally {
        held--;
        if (run.done) onConversation?.(run.result());
        else if (!signal.aborted) queue.push(run);
        notify();
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: Math.min(parallel, Math.max(queue.length, 1)) }, worker));
  } finally {
    signal.removeEventListener('abort', notify);
  }
  // Aborted runs that never finished are reported as cancelled, once.
  return all.map((run) => {
    const result = run.result();
    if (!run.done) {
      const cancelled = { ...result, outcome: 'cancelled' as const };
      onConversation?.(cancelled);
      return cancelled;
    }
    return result;
  });
}
