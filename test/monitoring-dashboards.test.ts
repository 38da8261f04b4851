/**
 * The dashboards are generated from TypeScript and committed as JSON: the committed copy must be what
 * the code generates, every PromQL expression in it must parse, and every metric it reads must be one
 * the exporter exposes (design 4.3) or one the rule file records.
 */
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { comparisonPanelType } from '../dashboards/src/main-dashboard.js';
import { generatedDashboards, mainDashboardPath } from '../dashboards/src/outputs.js';
import { allExpressions } from '../dashboards/src/queries.js';
import { defaultRuleConfig } from '../monitoring/src/config.js';
import { buildRuleGroups, isAlert } from '../monitoring/src/rules.js';
import { findTool } from './support/tools.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const promtool = findTool('promtool', 'apt-get install prometheus');

/** Design 4.3, plus kvcanary_target_info (target, role) which the exporter exposes for the baseline/candidate rules. */
const histograms = ['kvcanary_ttft_seconds', 'kvcanary_request_duration_seconds', 'kvcanary_inter_token_latency_seconds'];
const exporterMetrics = new Set([
  ...histograms.flatMap((h) => [`${h}_bucket`, `${h}_sum`, `${h}_count`]),
  'kvcanary_requests_total',
  'kvcanary_conversations_total',
  'kvcanary_prompt_tokens_total',
  'kvcanary_completion_tokens_total',
  'kvcanary_cached_prompt_tokens_total',
  'kvcanary_ttft_window_seconds',
  'kvcanary_ttft_turn_window_seconds',
  'kvcanary_cache_speedup_ratio',
  'kvcanary_replica_prefix_cache_hits_total',
  'kvcanary_replica_prefix_cache_queries_total',
  'kvcanary_replica_prefix_cache_hit_ratio',
  'kvcanary_replica_kv_cache_usage_ratio',
  'kvcanary_replica_requests_running',
  'kvcanary_replica_requests_waiting',
  'kvcanary_replica_gpu_utilization_ratio',
  'kvcanary_replica_probe_requests_total',
  'kvcanary_replica_up',
  'kvcanary_turn_affinity_ratio',
  'kvcanary_target_up',
  'kvcanary_last_success_timestamp_seconds',
  'kvcanary_build_info',
  'kvcanary_target_info',
]);
const recordedSeries = new Set(buildRuleGroups(defaultRuleConfig).flatMap((g) => g.rules.flatMap((r) => (isAlert(r) ? [] : [r.record]))));
/** Prometheus's own series. */
const builtins = new Set(['ALERTS', 'ALERTS_FOR_STATE', 'up']);

/** Grafana's variables replaced by values that keep the PromQL valid, so promtool can parse it. */
function withVariablesResolved(expr: string): string {
  return expr
    .replace(/\$__rate_interval|\$__interval/g, '1m')
    .replace(/\$__range/g, '1h')
    .replace(/\$(target|baseline|candidate)/g, 'x');
}

/** `label_values(SELECTOR, label)` is Grafana's, not PromQL: its selector is what must parse. */
function asPromQL(expr: string): string {
  const m = /^label_values\((.*),\s*\w+\)$/.exec(expr);
  return withVariablesResolved(m?.[1] ?? expr);
}

/** Metric names in an expression: identifiers before a selector or range, minus functions, keywords and labels. */
function metricNames(expr: string): string[] {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const withoutGrouping = withoutStrings.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const names: string[] = [];
  for (const m of withoutGrouping.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\(|\{|\[|,|\)|$)/g)) {
    const [, name, next] = m;
    if (name === undefined || next === '(') continue; // a function call
    if (/^(sum|avg|max|min|count|and|or|unless|offset|bool)$/.test(name)) continue;
    names.push(name);
  }
  return names;
}

const dashboard = JSON.parse(readFileSync(join(root, 'dashboards', mainDashboardPath), 'utf8')) as {
  templating: { list: { name: string; type: string }[] };
  panels: { type: string; gridPos: { y: number }; datasource?: { uid: string }; targets?: { expr: string }[] }[];
};

describe('dashboards', () => {
  it('committed JSON is what dashboards/src generates (run `npm run generate -w dashboards` if not)', () => {
    for (const [path, content] of generatedDashboards()) {
      expect({ path, content: readFileSync(join(root, 'dashboards', path), 'utf8') }).toEqual({ path, content });
    }
  });

  it('puts the comparison panel on top and offers data source, target, baseline and candidate variables', () => {
    const top = [...dashboard.panels].sort((a, b) => a.gridPos.y - b.gridPos.y)[0];
    expect(top?.type).toBe(comparisonPanelType);
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(['datasource', 'target', 'baseline', 'candidate']);
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) expect(panel.datasource?.uid).toBe('${datasource}');
  });

  it('queries only what the exporter exposes or the rule file records', () => {
    const exprs = allExpressions();
    const inJson = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    expect(new Set(inJson)).toEqual(new Set(exprs.filter((e) => !e.startsWith('label_values('))));
    for (const expr of exprs) {
      for (const name of metricNames(asPromQL(expr))) {
        const known = exporterMetrics.has(name) || recordedSeries.has(name) || builtins.has(name);
        expect({ expr, name, known }).toEqual({ expr, name, known: true });
      }
    }
  });

  it('never divides lifetime counters', () => {
    for (const expr of allExpressions()) {
      for (const m of expr.matchAll(/kvcanary_\w+_total\b/g)) {
        const inRate = /(rate|increase)\($/.test(expr.slice(0, m.index)) || expr.startsWith('label_values(');
        expect({ expr, inRate }).toEqual({ expr, inRate: true });
      }
    }
  });

  (promtool ? it : it.skip)('has PromQL that promtool parses', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvcanary-dashboards-'));
    try {
      const rules = allExpressions().map((expr, i) => ({ record: `dashboard:expr:${i}`, expr: asPromQL(expr) }));
      writeFileSync(join(dir, 'exprs.yml'), stringify({ groups: [{ name: 'dashboard-expressions', rules }] }));
      let output: string;
      try {
        output = execFileSync(promtool ?? 'promtool', ['check', 'rules', 'exprs.yml'], { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
      } catch (error) {
        const e = error as { stdout?: string; stderr?: string };
        output = `${e.stdout ?? ''}${e.stderr ?? ''}`;
      }
      expect(output).toContain(`SUCCESS: ${rules.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
