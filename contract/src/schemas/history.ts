/**
 * `/api/v1/history`: the exporter's window figures over time, one point per target per minute, so the
 * standalone page can show when something changed without a Prometheus or a Grafana.
 */
import { z } from 'zod';

/** The window figures at one minute; null where the window had nothing to compute them from. */
export const historyPointSchema = z.object({
  /** Epoch milliseconds. */
  at: z.number(),
  /** Requests in the window (any outcome). */
  requests: z.number().int().nonnegative(),
  p50Ms: z.number().nullable(),
  p95Ms: z.number().nullable(),
  p99Ms: z.number().nullable(),
  cacheSpeedup: z.number().nullable(),
  /** Share of the window's requests that did not succeed. */
  errorRatio: z.number().min(0).max(1).nullable(),
});
export type HistoryPoint = z.infer<typeof historyPointSchema>;

export const historyResponseSchema = z.object({
  generatedAt: z.string(),
  intervalSeconds: z.number().positive(),
  /** Points kept per target: older ones are dropped. */
  maxPoints: z.number().int().positive(),
  /** The window each point summarises, seconds. */
  windowSeconds: z.number().positive(),
  targets: z.array(z.object({ target: z.string(), points: z.array(historyPointSchema) })),
});
export type HistoryResponse = z.infer<typeof historyResponseSchema>;
