/**
 * `/api/v1/records`: the request records in the exporter's current window, per target, with the pacing
 * the exporter probes at, so `kvcanary plan` can size the alerts from a live exporter.
 */
import { z } from 'zod';
import { requestRecordSchema } from './bench-json.js';

export const pacingInfoSchema = z.object({
  /** Conversations started per minute per target, when the exporter paces by rate ... */
  conversationsPerMinute: z.number().positive().optional(),
  /** ... or conversations in flight per target, run back to back. */
  concurrency: z.number().int().positive().optional(),
  turns: z.number().int().positive(),
  /** Mean pause between turns, seconds. */
  meanThinkSeconds: z.number().nonnegative(),
});
export type PacingInfo = z.infer<typeof pacingInfoSchema>;

export const recordsResponseSchema = z.object({
  generatedAt: z.string(),
  windowSeconds: z.number(),
  pacing: pacingInfoSchema,
  targets: z.array(z.object({ target: z.string(), records: z.array(requestRecordSchema) })),
});
export type RecordsResponse = z.infer<typeof recordsResponseSchema>;
