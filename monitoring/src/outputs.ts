/**
 * Every file `npm run generate -w monitoring` writes, as (path, content) pairs relative to monitoring/.
 * The generator writes them; the tests compare them with the committed copies.
 */
import { defaultRuleConfig } from './config.js';
import { renderPrometheusRule, renderRuleFile, renderRuleTable, spliceRuleTable } from './render.js';
import { buildRuleGroups } from './rules.js';

export const ruleFilePath = 'prometheus/kvcanary-rules.yml';
export const prometheusRulePath = 'kubernetes/base/prometheus-rule.yaml';
export const readmePath = 'README.md';

/** `readme` is the current README (the table is spliced into it, the prose is kept). */
export function generatedFiles(readme: string): Map<string, string> {
  return new Map([
    [ruleFilePath, renderRuleFile(defaultRuleConfig)],
    [prometheusRulePath, renderPrometheusRule(defaultRuleConfig, { name: 'kvcanary' })],
    [readmePath, spliceRuleTable(readme, renderRuleTable(buildRuleGroups(defaultRuleConfig)))],
  ]);
}
