import { Registry } from 'prom-client';
import { SUCCESS, probeMetrics as m, turnLabel } from '@kvcanary/contract';
import type { RequestRecord } from '@kvcanary/contract/schemas';
import { speedupOf, turnAffinity } from '../stats/summarize.js';
import { gauge } from './from-contract.js';

/**
 * The registry of one on-demand probe (`/probe?target=NAME`), built fresh for each request from the
 * contract's `probeMetrics`, as blackbox_exporter does: the handler alone owns these series, so
 * nothing leaks between probes and nothing here touches the exporter's own registry. A failed probe
 * has `probeMetrics.success` at 0.
 */
export interface ProbeOutcome {
  target: string;
  records: readonly RequestRecord[];
  durationSeconds: number;
  /** The probe could not run at all (no model, bad target): a reason, logged by the caller. */
  error?: string;
}

export async function renderProbe(result: ProbeOutcome, turnCap: number, vantage: string): Promise<{ contentType: string; body: string }> {
  const registry = probeRegistry(result, turnCap, vantage);
  return { contentType: registry.contentType, body: await registry.metrics() };
}

/** The probe's series: success, duration and requests always; TTFT by turn, speedup and affinity when measured. */
export function probeRegistry(result: ProbeOutcome, turnCap: number, vantage: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ vantage });
  const ok = result.error === undefined && result.records.length > 0 && result.records.every((r) => r.outcome === SUCCESS);
  gauge(m.success, registry).set(ok ? 1 : 0);
  gauge(m.duration, registry).set(result.durationSeconds);
  const requests = gauge(m.requests, registry);
  for (const r of result.records) requests.inc({ outcome: r.outcome });
  const ttft = gauge(m.ttft, registry);
  const byTurn = new Map<string, number[]>();
  const first: number[] = [];
  const later: number[] = [];
  for (const r of result.records) {
    if (r.outcome !== SUCCESS || r.ttftMs === undefined) continue;
    const key = turnLabel(r.turn, turnCap);
    byTurn.set(key, [...(byTurn.get(key) ?? []), r.ttftMs]);
    (r.turn === 1 ? first : later).push(r.ttftMs);
  }
  for (const [turn, values] of byTurn) ttft.set({ turn }, values.reduce((a, b) => a + b, 0) / values.length / 1000);
  const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : null);
  const speedup = speedupOf(mean(first), mean(later));
  if (speedup !== null) gauge(m.cacheSpeedup, registry).set(speedup);
  const affinity = turnAffinity(result.records);
  if (affinity !== null) gauge(m.turnAffinity, registry).set(affinity);
  return registry;
}
