/**
 * Every file `npm run generate -w monitoring` writes, as (path, content) pairs relative to monitoring/.
 * The generator writes them; the tests compare them with the committed copies.
 */
import { posix } from 'node:path';
import { defaultRuleConfig } from './config.js';
import { renderDashboardConfigMap, type DashboardFile } from './kubernetes.js';
import { generatedFrom, renderPrometheusRule, renderRuleFile, renderRuleTable, spliceRuleTable } from './render.js';
import { buildRuleGroups } from './rules.js';
import { scenarioFiles } from './scenarios/index.js';
import { renderScenarioFile, type ScenarioFile } from './scenarios/scenario.js';

export const ruleFilePath = 'prometheus/kvcanary-rules.yml';
export const prometheusRulePath = 'kubernetes/base/prometheus-rule.yaml';
export const dashboardConfigMapPath = 'kubernetes/base/dashboards-configmap.yaml';
export const readmePath = 'README.md';
/** Where promtool's unit tests live; every `*.test.yml` in it is written from `src/scenarios/`. */
export const scenarioDir = 'prometheus/tests';

export function scenarioPath(file: ScenarioFile): string {
  return posix.join(scenarioDir, `${file.name}.test.yml`);
}

function scenarioTest(file: ScenarioFile): [string, string] {
  const header = generatedFrom(`monitoring/src/scenarios/${file.name}.ts`);
  return [scenarioPath(file), renderScenarioFile(file, header, posix.relative(scenarioDir, ruleFilePath))];
}

export interface Sources {
  /** The current README (the table is spliced into it, the prose is kept). */
  readme: string;
  /** The committed dashboard JSON files (dashboards/json/*.json). */
  dashboards: DashboardFile[];
}

export function generatedFiles(sources: Sources): Map<string, string> {
  return new Map([
    [ruleFilePath, renderRuleFile(defaultRuleConfig)],
    [prometheusRulePath, renderPrometheusRule(defaultRuleConfig, { name: 'kvcanary' })],
    [dashboardConfigMapPath, renderDashboardConfigMap(sources.dashboards)],
    [readmePath, spliceRuleTable(sources.readme, renderRuleTable(buildRuleGroups(defaultRuleConfig)))],
    ...scenarioFiles.map(scenarioTest),
  ]);
}
