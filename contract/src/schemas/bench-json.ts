/**
 * The file `kvcanary bench --json` writes and `kvcanary compare` reads: the run's settings, the corpus
 * as used, the summary and every request's record.
 */
import { z } from 'zod';
import { DOC_TYPES, OUTCOMES } from '../labels.js';
import { summarySchema } from './summary.js';

/**
 * Bumped when a field changes meaning; compare refuses files it does not understand. Version 2: the
 * workload digest, and first turns that may be cold by construction (`options.coldStart`), so a
 * version-1 run's turn-1 figures do not mean the same.
 */
export const BENCH_JSON_VERSION = 2;

/** One request as measured: times in milliseconds from just before the request was written. */
export const requestRecordSchema = z.object({
  target: z.string(),
  conversation: z.number().int().nonnegative(),
  /** 1-based turn number within its conversation. */
  turn: z.number().int().positive(),
  docType: z.enum(DOC_TYPES),
  document: z.string(),
  outcome: z.enum(OUTCOMES),
  /** One line naming what went wrong, without secrets; absent on success. */
  error: z.string().optional(),
  status: z.number().int().optional(),
  /** Epoch milliseconds when the request started. */
  startedAt: z.number(),
  /** To the first chunk with non-empty delta.content or delta.reasoning_content. */
  ttftMs: z.number().optional(),
  /** To the first chunk with non-empty delta.content (reasoning not counted); absent when no content came. */
  ttfcMs: z.number().optional(),
  /** To the end of the stream (or the failure). */
  totalMs: z.number(),
  /** Mean gap between content chunks after the first. */
  itlMs: z.number().optional(),
  promptTokens: z.number().optional(),
  completionTokens: z.number().optional(),
  /** usage.prompt_tokens_details.cached_tokens, when the server reports it; absent is "not reported", never 0. */
  cachedTokens: z.number().optional(),
  /** The replica that served it: the replica header's value as a `replica` label value (replicaLabelValue), when the response carried one. */
  replica: z.string().optional(),
});
export type RequestRecord = z.infer<typeof requestRecordSchema>;

export const benchJsonSchema = z.object({
  version: z.literal(BENCH_JSON_VERSION),
  seed: z.number().int(),
  url: z.string(),
  model: z.string(),
  options: z.looseObject({
    conversations: z.number().int(),
    turns: z.number().int(),
    maxTokens: z.number().int(),
    parallel: z.number().int(),
    /** Turn 1 opened with a per-conversation marker, so it was a full prefill on any cache. */
    coldStart: z.boolean(),
  }),
  /** The workload's digest (documents, prompts, turns, max tokens, cold-start mode): runs compare only within one. */
  workload: z.string(),
  /** The corpus as used (name and type in order): pairing needs the same documents. */
  documents: z.array(z.object({ name: z.string(), type: z.enum(DOC_TYPES), chars: z.number() })),
  summary: summarySchema,
  records: z.array(requestRecordSchema),
});
export type BenchJson = z.infer<typeof benchJsonSchema>;
