import { z } from 'zod';

/**
 * Faults a replica can be told to show at run time (PUT /sim/faults), for reliability tests and for
 * end-to-end tests that degrade a running cluster. A PUT replaces the whole set: `{}` heals.
 */
export const faultsSchema = z
  .object({
    /** Share of completion requests answered with HTTP 500 instead. */
    errorRate: z.number().min(0).max(1).default(0),
    /** Extra wait before a request reaches the engine, so before its first token. */
    stallMs: z.number().min(0).default(0),
    /** Extra time per decoded token. */
    slowTokenMs: z.number().min(0).default(0),
    /** Share of streamed responses whose connection is cut halfway through the answer. */
    dropRate: z.number().min(0).max(1).default(0),
    /** Multiplies the prefill cost per token (a slower or throttled GPU). */
    prefillMultiplier: z.number().positive().default(1),
    /** Share of streamed responses that ignore max_tokens and never end (until the client leaves). */
    endlessRate: z.number().min(0).max(1).default(0),
    /** Share of /metrics pages served garbled (cut short, a malformed line appended), as a broken proxy does. */
    garbledMetricsRate: z.number().min(0).max(1).default(0),
  })
  .strict();

export type Faults = z.infer<typeof faultsSchema>;

export const NO_FAULTS: Faults = faultsSchema.parse({});
