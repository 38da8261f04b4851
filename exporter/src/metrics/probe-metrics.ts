import { Gauge, Registry } from 'prom-client';
import type { RequestRecord } from '../probe/types.js';
import { speedupOf, turnAffinity } from '../stats/summarize.js';

/**
 * The registry of one on-demand probe (`/probe?target=NAME`), built fresh for each request as
 * blackbox_exporter does: the handler alone owns these series, so nothing leaks between probes and
 * nothing here touches the exporter's own registry. A failed probe is `kvcanary_probe_success 0`.
 */
export interface ProbeOutcome {
  target: string;
  records: readonly RequestRecord[];
  durationSeconds: number;
  /** The probe could not run at all (no model, bad target): a reason, logged by the caller. */
  error?: string;
}

export async function renderProbe(result: ProbeOutcome, turnCap: number): Promise<{ contentType: string; body: string }> {
  const registry = new Registry();
  const registers = [registry];
  const gauge = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers });
  const ok = result.error === undefined && result.records.length > 0 && result.records.every((r) => r.outcome === 'success');
  gauge('kvcanary_probe_success', 'Whether every turn of the probe conversation succeeded.').set(ok ? 1 : 0);
  gauge('kvcanary_probe_duration_seconds', 'Wall time of the whole probe conversation.').set(result.durationSeconds);
  const requests = gauge('kvcanary_probe_requests', 'Requests of the probe conversation, by outcome.', ['outcome']);
  for (const r of result.records) requests.inc({ outcome: r.outcome });
  const ttft = gauge('kvcanary_probe_ttft_seconds', 'TTFT of each turn of the probe conversation (turns past the cap: their mean).', ['turn']);
  const byTurn = new Map<string, number[]>();
  const first: number[] = [];
  const later: number[] = [];
  for (const r of result.records) {
    if (r.outcome !== 'success' || r.ttftMs === undefined) continue;
    const key = r.turn >= turnCap ? `${turnCap}+` : String(r.turn);
    byTurn.set(key, [...(byTurn.get(key) ?? []), r.ttftMs]);
    (r.turn === 1 ? first : later).push(r.ttftMs);
  }
  for (const [turn, values] of byTurn) ttft.set({ turn }, values.reduce((a, b) => a + b, 0) / values.length / 1000);
  const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : null);
  const speedup = speedupOf(mean(first), mean(later));
  if (speedup !== null) gauge('kvcanary_probe_cache_speedup_ratio', 'First-turn TTFT / mean later-turn TTFT of the probe conversation.').set(speedup);
  const affinity = turnAffinity(result.records);
  if (affinity !== null) gauge('kvcanary_probe_turn_affinity_ratio', "Share of the probe's later turns served by the previous turn's replica.").set(affinity);
  return { contentType: registry.contentType, body: await registry.metrics() };
}
