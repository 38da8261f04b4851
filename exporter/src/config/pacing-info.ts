import type { PacingInfo } from '@kvcanary/contract/schemas';
import type { PacingConfig } from './schema.js';

/** The pacing of a config as /api/v1/records reports it and `kvcanary plan` reads it. */
export function pacingInfo(p: PacingConfig): PacingInfo {
  const meanThinkSeconds = (p.thinkTime.min + p.thinkTime.max) / 2000;
  return p.conversationsPerMinute !== undefined
    ? { conversationsPerMinute: p.conversationsPerMinute, turns: p.turns, meanThinkSeconds }
    : { concurrency: p.concurrency ?? 4, turns: p.turns, meanThinkSeconds };
}
