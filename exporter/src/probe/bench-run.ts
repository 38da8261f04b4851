import type { RequestRecord } from '@kvcanary/contract/schemas';
import type { Clock } from '../util/clock.js';
import { runPool } from './pool.js';
import { runScripts, type ScriptPlan } from './script.js';
import type { ConversationResult, EngineTarget } from './types.js';
import { warmUp } from './warmup.js';

export interface BenchRunOptions {
  target: EngineTarget;
  plan: ScriptPlan;
  conversations: number;
  parallel: number;
  warmUp: boolean;
  clock: Clock;
  signal: AbortSignal;
  onWarmUp?(done: number, total: number): void;
  onRecord?(record: RequestRecord): void;
}

export interface BenchRun {
  records: RequestRecord[];
  conversations: ConversationResult[];
  /** Seconds of the conversation phase only (warm-up excluded), the reference's "Total time". */
  elapsedSeconds: number;
  warmUp: { ok: number; failed: number } | null;
}

export const WARM_UP_REQUESTS = 20;

/** One bench run: warm-up (not counted), then conversations 0..N-1 of the plan through the worker pool. */
export async function runBench(options: BenchRunOptions): Promise<BenchRun> {
  const { target } = options;
  const warm = options.warmUp
    ? await warmUp({
        client: target.client,
        model: target.model,
        requests: WARM_UP_REQUESTS,
        timeoutMs: target.timeoutMs,
        signal: options.signal,
        includeUsage: target.includeUsage,
        onRequest: (done) => options.onWarmUp?.(done, WARM_UP_REQUESTS),
      })
    : null;
  const records: RequestRecord[] = [];
  const started = options.clock.now();
  const conversations = await runPool({
    target,
    scripts: runScripts(options.plan, options.conversations),
    parallel: options.parallel,
    clock: options.clock,
    signal: options.signal,
    onRecord: (record) => {
      records.push(record);
      options.onRecord?.(record);
    },
  });
  return { records, conversations, elapsedSeconds: (options.clock.now() - started) / 1000, warmUp: warm };
}
