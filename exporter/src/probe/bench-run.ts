import type { RequestRecord } from '@kvcanary/contract/schemas';
import type { SeedDocument } from '../corpus/types.js';
import type { Clock } from '../util/clock.js';
import { seededRandom } from '../util/random.js';
import { runPool } from './pool.js';
import { conversationSeed, runScripts } from './script.js';
import type { ConversationResult, ProbeClient, ThinkTime } from './types.js';
import { warmUp } from './warmup.js';

export interface BenchRunOptions {
  client: ProbeClient;
  model: string;
  target: string;
  documents: readonly SeedDocument[];
  conversations: number;
  turns: number;
  parallel: number;
  maxTokens: number;
  timeoutMs: number;
  thinkTime: ThinkTime;
  seed: number;
  warmUp: boolean;
  clock: Clock;
  signal: AbortSignal;
  includeUsage?: boolean;
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

/** One bench run: warm-up (not counted), then the conversations through the worker pool. */
export async function runBench(options: BenchRunOptions): Promise<BenchRun> {
  const warm = options.warmUp
    ? await warmUp({
        client: options.client,
        model: options.model,
        requests: WARM_UP_REQUESTS,
        timeoutMs: options.timeoutMs,
        signal: options.signal,
        includeUsage: options.includeUsage,
        onRequest: (done) => options.onWarmUp?.(done, WARM_UP_REQUESTS),
      })
    : null;
  const records: RequestRecord[] = [];
  const scripts = runScripts({ count: options.conversations, documents: options.documents, turns: options.turns, seed: options.seed });
  const started = options.clock.now();
  const conversations = await runPool({
    client: options.client,
    model: options.model,
    target: options.target,
    scripts,
    parallel: options.parallel,
    maxTokens: options.maxTokens,
    timeoutMs: options.timeoutMs,
    thinkTime: options.thinkTime,
    clock: options.clock,
    // Think times from their own stream, so that they never shift what the script asks.
    random: seededRandom(conversationSeed(options.seed, -1)),
    signal: options.signal,
    includeUsage: options.includeUsage,
    onRecord: (record) => {
      records.push(record);
      options.onRecord?.(record);
    },
  });
  return { records, conversations, elapsedSeconds: (options.clock.now() - started) / 1000, warmUp: warm };
}
