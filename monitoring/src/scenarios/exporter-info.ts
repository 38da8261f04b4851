/**
 * What every scenario whose alert is about a target needs besides the target's figures: the exporter's
 * target info, scraped in a namespace as prometheus-operator labels it (the alerts take their `namespace`
 * from it, and the cache alert the target's role), and the links every alert carries, written out as a
 * person clicks them.
 */
import { NO_ROLE, exporterMetrics as m, type Role } from '@kvcanary/contract';
import { gauge, hold, missing, type InputSeries } from './series.js';

/** The namespace the scenarios' exporter runs in. */
export const NAMESPACE = 'llm-serving';

/**
 * The exporter's target-info gauge (always 1) for `minutes`, from one exporter `instance` or with none;
 * with `workload`, the digest of the canary's workload, and with `from`, absent for that many minutes first.
 */
export function targetInfo(target: string, minutes: number, of: { role?: Role; instance?: string; workload?: string; from?: number } = {}): InputSeries {
  const labels = { target, role: of.role ?? NO_ROLE, instance: of.instance, workload: of.workload, namespace: NAMESPACE };
  return gauge(m.targetInfo, labels, ...(of.from ? [missing(of.from)] : []), hold(1, minutes));
}

/** The runbook section of `anchor` and the overview dashboard with `query` (e.g. `?var-target=prod`). */
export function links(anchor: string, query = ''): { runbook_url: string; dashboard_url: string } {
  return {
    runbook_url: `https://github.com/kvcanary/kvcanary/blob/main/docs/alert-runbook.md#${anchor}`,
    dashboard_url: `http://localhost:3000/d/kvcanary-overview${query}`,
  };
}
