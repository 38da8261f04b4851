/**
 * The overview dashboard's comparison panel as Grafana provisions it (dashboards/json/kvcanary-overview.json),
 * and its queries with the dashboard's variables replaced the way Grafana replaces them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../..', import.meta.url));

export interface DashboardTarget {
  refId: string;
  expr: string;
  legendFormat: string;
  instant?: boolean;
  range?: boolean;
  format?: string;
}

export interface DashboardPanel {
  type: string;
  title: string;
  options: Record<string, unknown>;
  fieldConfig?: { defaults: Record<string, unknown>; overrides: unknown[] };
  /** Grid units: 24 columns across the dashboard, rows of 30 px with 8 px between them. */
  gridPos: { w: number; h: number };
  targets: DashboardTarget[];
}

interface Dashboard {
  time: { from: string; to: string };
  templating: { list: { name: string; type: string; query?: string }[] };
  panels: DashboardPanel[];
}

export const dashboard = JSON.parse(readFileSync(join(repo, 'dashboards', 'json', 'kvcanary-overview.json'), 'utf8')) as Dashboard;

export function panelOfType(type: string): DashboardPanel {
  const panel = dashboard.panels.find((p) => p.type === type);
  if (!panel) throw new Error(`the overview dashboard has no panel of type ${type}`);
  return panel;
}

/**
 * The panel's size in pixels on a dashboard `dashboardWidth` wide: Grafana's grid has 24 columns and rows of
 * 30 px with an 8 px margin (grafana/grafana, public/app/core/constants.ts, GRID_CELL_HEIGHT, GRID_CELL_VMARGIN).
 */
export function panelSize(panel: DashboardPanel, dashboardWidth: number): { width: number; height: number } {
  return { width: Math.round((dashboardWidth * panel.gridPos.w) / 24), height: panel.gridPos.h * 30 + (panel.gridPos.h - 1) * 8 };
}

/** A query variable's `label_values(selector, label)`, parsed as Grafana's Prometheus variable support parses it. */
export function labelValuesQuery(variable: string): { selector: string; label: string } {
  const query = dashboard.templating.list.find((v) => v.name === variable)?.query ?? '';
  const match = /^label_values\((.+),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)\s*$/.exec(query);
  if (!match) throw new Error(`variable ${variable} is not a label_values() query: ${query}`);
  return { selector: match[1] as string, label: match[2] as string };
}

const UNITS_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** The dashboard's time range ending at `toMs`: Grafana's `now-<n><unit>` to `now`. */
export function dashboardRange(toMs: number): { from: number; to: number; raw: { from: string; to: string } } {
  const match = /^now-(\d+)([smhdw])$/.exec(dashboard.time.from);
  if (!match || dashboard.time.to !== 'now') throw new Error(`the dashboard's time range ${dashboard.time.from} to ${dashboard.time.to} is not now-<n><unit> to now`);
  return { from: toMs - Number(match[1]) * (UNITS_MS[match[2] as string] as number), to: toMs, raw: dashboard.time };
}

/**
 * `$name` and `${name}` replaced by a single value, as the Prometheus data source interpolates a variable
 * that is neither multi-value nor "include all" (grafana/grafana, packages/grafana-prometheus/src/datasource.ts,
 * interpolateQueryExpr: prometheusRegularEscape, which only escapes backslashes and single quotes; refused
 * here rather than copied), and `$__range` as the dashboard's range in whole seconds (pkg/promlib/models/query.go).
 */
export function interpolate(expr: string, variables: Record<string, string>, rangeMs: number): string {
  return expr
    .replace(/\$__range\b/g, `${Math.round(rangeMs / 1000)}s`)
    .replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced?: string, bare?: string) => {
      const value = variables[braced ?? bare ?? ''];
      if (value === undefined) return whole;
      if (/[\\']/.test(value)) throw new Error(`variable value ${value} would need Grafana's escaping`);
      return value;
    });
}
