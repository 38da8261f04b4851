import { ENGINE_PHASES, type EnginePhase } from '@kvcanary/contract';
import type { EngineSplit } from '@kvcanary/contract/schemas';
import type { EngineTotals, ReplicaSnapshot } from './types.js';

/**
 * Where a target's TTFT goes, by the replicas' own account: each phase's seconds and requests added
 * over the replicas (a mean of means would weigh an idle replica like a busy one), then divided.
 * Null when no replica reports any phase over the window.
 */
export function engineSplit(replicas: readonly ReplicaSnapshot[]): EngineSplit | null {
  const sums: Partial<Record<EnginePhase, EngineTotals>> = {};
  for (const r of replicas) {
    for (const p of ENGINE_PHASES) {
      const w = r.phaseWindow[p];
      if (!w) continue;
      const acc = sums[p] ?? { seconds: 0, requests: 0 };
      sums[p] = { seconds: acc.seconds + w.seconds, requests: acc.requests + w.requests };
    }
  }
  if (ENGINE_PHASES.every((p) => sums[p] === undefined)) return null;
  const meanMs = (p: EnginePhase): number | null => {
    const s = sums[p];
    return s && s.requests > 0 ? (1000 * s.seconds) / s.requests : null;
  };
  return { requests: sums.ttft?.requests ?? 0, ttftMeanMs: meanMs('ttft'), queueMeanMs: meanMs('queue'), prefillMeanMs: meanMs('prefill') };
}
