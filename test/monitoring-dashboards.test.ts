/**
 * The dashboards are generated from TypeScript and committed as JSON: the committed copy must be what
 * the code generates, every PromQL expression in it must parse, and the comparison panel must ask one
 * query per contract figure under the figure's refId, which is how the panel places a result. Which
 * series the expressions may name is checked against the contract in monitoring-contract.test.ts.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIGURE_IDS, panelFigures } from '@kvcanary/contract';
import { comparisonPanelType } from '../dashboards/src/main-dashboard.js';
import { generatedDashboards, mainDashboardPath } from '../dashboards/src/outputs.js';
import { allExpressions, comparisonQueries } from '../dashboards/src/queries.js';
import { asPromQL, bareSeries } from './support/promql.js';
import { promtool, promtoolOn } from './support/promtool.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

interface Target {
  expr: string;
  refId: string;
}

const dashboard = JSON.parse(readFileSync(join(root, 'dashboards', mainDashboardPath), 'utf8')) as {
  templating: { list: { name: string; type: string }[] };
  panels: { type: string; gridPos: { y: number }; datasource?: { uid: string }; targets?: Target[] }[];
};

const comparisonTargets = (): Target[] => dashboard.panels.find((p) => p.type === comparisonPanelType)?.targets ?? [];

describe('dashboards', () => {
  it('committed JSON is what dashboards/src generates (run `npm run generate -w dashboards` if not)', () => {
    for (const [path, content] of generatedDashboards()) {
      expect({ path, content: readFileSync(join(root, 'dashboards', path), 'utf8') }).toEqual({ path, content });
    }
  });

  it('puts the comparison panel on top and offers data source, target, baseline, candidate and vantage variables', () => {
    const top = [...dashboard.panels].sort((a, b) => a.gridPos.y - b.gridPos.y)[0];
    expect(top?.type).toBe(comparisonPanelType);
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(['datasource', 'target', 'baseline', 'candidate', 'vantage']);
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) expect(panel.datasource?.uid).toBe('${datasource}');
  });

  it('runs in the JSON exactly the expressions dashboards/src defines', () => {
    const inJson = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    expect(new Set(inJson)).toEqual(new Set(allExpressions().filter((e) => !e.startsWith('label_values('))));
  });

  (promtool ? it : it.skip)('has PromQL that promtool parses', () => {
    const rules = allExpressions().map((expr, i) => ({ record: `dashboard:expr:${i}`, expr: asPromQL(expr) }));
    const result = promtoolOn({ 'exprs.yml': { groups: [{ name: 'dashboard-expressions', rules }] } }, ['check', 'rules', 'exprs.yml']);
    expect(result.output).toContain(`SUCCESS: ${rules.length} rules found`);
  });
});

describe('the comparison panel', () => {
  it('asks one query per contract figure, under the refId the contract gives that figure', () => {
    expect(comparisonTargets().map((t) => t.refId)).toEqual(FIGURE_IDS.map((id) => panelFigures[id].refId));
    expect(comparisonTargets().map((t) => t.expr)).toEqual(FIGURE_IDS.map((id) => comparisonQueries[id].expr));
  });

  it('gives every figure a query of its own: no two figures share a refId or an expression', () => {
    const targets = comparisonTargets();
    expect(new Set(targets.map((t) => t.refId)).size).toBe(FIGURE_IDS.length);
    expect(new Set(targets.map((t) => t.expr)).size).toBe(FIGURE_IDS.length);
  });

  it('selects a named series only for the figure the contract says that series is', () => {
    // The panel places a named result by its __name__, so a bare selector must be one of its figure's sources.
    for (const id of FIGURE_IDS) {
      const series = bareSeries(asPromQL(comparisonQueries[id].expr));
      if (series === null) continue;
      const isSource = panelFigures[id].sources.some((s) => s.series === series);
      expect({ id, series, isSource }).toEqual({ id, series, isSource: true });
    }
  });
});
