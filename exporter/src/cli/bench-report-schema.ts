import { z } from 'zod';
import { OUTCOMES } from '../client/types.js';

/** Bumped when a field changes meaning; compare refuses files it does not understand. */
export const BENCH_JSON_VERSION = 1;

const distribution = z.object({
  count: z.number(),
  min: z.number(),
  max: z.number(),
  mean: z.number(),
  p50: z.number(),
  p95: z.number(),
  p99: z.number(),
});
const groupMean = z.object({ key: z.string(), meanMs: z.number(), count: z.number() });

export const summarySchema = z.object({
  target: z.string(),
  model: z.string(),
  elapsedSeconds: z.number(),
  requests: z.number(),
  outcomes: z.record(z.string(), z.number()),
  conversationsCompleted: z.number(),
  conversationsPlanned: z.number(),
  requestsPerSecond: z.number(),
  ttft: distribution.nullable(),
  totalTime: distribution.nullable(),
  itl: distribution.nullable(),
  byTurn: z.array(groupMean),
  byDocType: z.array(groupMean),
  firstTurnMeanMs: z.number().nullable(),
  laterTurnsMeanMs: z.number().nullable(),
  cacheSpeedup: z.number().nullable(),
  tokens: z.object({ prompt: z.number(), completion: z.number(), cached: z.number() }),
  turnAffinity: z.number().nullable(),
  replicas: z.record(z.string(), z.number()),
});

/** The fields of a request record that compare uses (others are dropped when a file is read). */
export const recordSchema = z.object({
  target: z.string(),
  conversation: z.number().int().nonnegative(),
  turn: z.number().int().positive(),
  docType: z.enum(['CODE', 'TEXT']),
  document: z.string(),
  outcome: z.enum(OUTCOMES),
  startedAt: z.number(),
  totalMs: z.number(),
  ttftMs: z.number().optional(),
  replica: z.string().optional(),
});

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
  }),
  /** The corpus as used (name and type in order): pairing needs the same documents. */
  documents: z.array(z.object({ name: z.string(), type: z.enum(['CODE', 'TEXT']), chars: z.number() })),
  summary: summarySchema,
  records: z.array(recordSchema),
});

export type BenchJson = z.infer<typeof benchJsonSchema>;

/** One line naming where the file is wrong: "records.3.turn: expected number, received string". */
export function describeSchemaError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const path = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problems)` : '';
  return `${path}: ${issue.message}${more}`;
}
