/**
 * What every scenario whose alert is about a target needs besides the target's figures: the exporter's
 * target info, scraped in a namespace as prometheus-operator labels it (the alerts take their `namespace`
 * from it, and the cache alert the target's role), and the links every alert carries, written out as a
 * person clicks them.
 */
import { NO_ROLE, exporterMetrics as m, type Role } from '@kvcanary/contract';
import { gauge, hold, type InputSeries } from './series.js';

/** The namespace the scenarios' exporter runs in. */
export const NAMESPACE = 'llm-serving';

/** The exporter's target-info gauge (always 1) for `minutes`, from one exporter `instance` or with none. */
export function targetInfo(target: string, minutes: number, of: { role?: Role; instance?: string } = {}): InputSeries {
  return gauge(m.targetInfo, { target, role: of.role ?? NO_ROLE, instance: of.instance, namespace: NAMESPACE }, hold(1, minutes));
}

/** The runbook section of `anchor` and the overview dashboard with `query` (e.g. `?var-target=prod`). */
export function links(anchor: string, query = ''): { runbook_url: string; dashboard_url: string } {
  return {
    runbook_url: `https://github.com/kvcanary/kvcanary/blob/main/docs/alert-runbook.md#${anchor}`,
    dashboard_url: `http://localhost:3000/d/kvcanary-overview${query}`,
  };
}
