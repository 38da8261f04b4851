/**
 * The file `kvcanary plan --json` writes: for the configured probe rate and multiples of it, how often
 * each latency alert fires when nothing changes, and how long it takes to fire after a regression.
 */
import { z } from 'zod';

/** Bumped when a field changes meaning. */
export const PLAN_JSON_VERSION = 1;

/** A change the plan replays: every TTFT times `factor` (`ttft`), or later turns' TTFT times `factor` (`later-turns`). */
export const planChangeSchema = z.object({
  id: z.string(),
  /** What a reader calls it: "P95 TTFT x1.5", "cache speedup halves". */
  label: z.string(),
  scales: z.enum(['ttft', 'later-turns']),
  factor: z.number().positive(),
});
export type PlanChange = z.infer<typeof planChangeSchema>;

export const planDetectionSchema = z.object({
  change: z.string(),
  /** Seconds from the change to the alert firing, over the trials; null when fewer than half (median) or 90% (p90) fired within the horizon. */
  medianSeconds: z.number().nullable(),
  p90Seconds: z.number().nullable(),
  /** Share of trials in which the alert fired within the horizon. */
  detectedShare: z.number().min(0).max(1),
});
export type PlanDetection = z.infer<typeof planDetectionSchema>;

export const planRowSchema = z.object({
  alert: z.string(),
  /** The burn-rate tier (`1h-5m`...) as the rule's `tier` label. */
  tier: z.string().optional(),
  /** 1 = the configured pacing. */
  rateMultiplier: z.number().positive(),
  requestsPerMinute: z.number().positive(),
  /** Firings per 30 days of unchanged service, from `days` simulated days. */
  falseAlarmsPer30Days: z.number().nonnegative(),
  detection: z.array(planDetectionSchema),
});
export type PlanRow = z.infer<typeof planRowSchema>;

export const planJsonSchema = z.object({
  version: z.literal(PLAN_JSON_VERSION),
  /** The bench --json file or the exporter URL the samples came from. */
  source: z.string(),
  target: z.string(),
  /** Successful requests resampled. */
  samples: z.number().int().positive(),
  firstTurnShare: z.number().min(0).max(1),
  pacing: z.object({
    requestsPerMinute: z.number().positive(),
    /** How the rate was derived, in words. */
    from: z.string(),
  }),
  settings: z.object({
    scrapeIntervalSeconds: z.number().positive(),
    evaluationIntervalSeconds: z.number().positive(),
    minProbeRequests: z.number().int().nonnegative(),
    trials: z.number().int().positive(),
    days: z.number().positive(),
    horizonSeconds: z.number().positive(),
    seed: z.number().int(),
  }),
  changes: z.array(planChangeSchema),
  rows: z.array(planRowSchema),
});
export type PlanJson = z.infer<typeof planJsonSchema>;
