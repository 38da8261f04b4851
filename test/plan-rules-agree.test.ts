/**
 * `kvcanary plan` and the standalone page's trend chart read the alert thresholds and windows from the
 * contract's `defaultRuleConfig`; the committed rule file must say the same numbers, so what plan
 * simulates is what Prometheus evaluates. Read from the rule file as Prometheus loads it, not from the
 * generator's objects.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { defaultRuleConfig as c, exporterMetrics } from '@kvcanary/contract';

interface LoadedRule {
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
}
const file = parse(readFileSync(fileURLToPath(new URL('../monitoring/prometheus/kvcanary-rules.yml', import.meta.url)), 'utf8')) as {
  groups: { interval: string; rules: LoadedRule[] }[];
};
const group = file.groups[0];
const alerts = (name: string) => (group?.rules ?? []).filter((r) => r.alert === name);
const one = (name: string) => {
  const [rule] = alerts(name);
  if (!rule) throw new Error(`${name} is not in the rule file`);
  return rule;
};
const evidence = (window: string) => `sum by (target) (increase(${exporterMetrics.requests.name}[${window}])) >= ${c.minProbeRequests}`;

describe('the rule file and the contract rule config agree', () => {
  it('evaluates every evaluationInterval', () => {
    expect(group?.interval).toBe(c.evaluationInterval);
  });

  it('P95 regression: factor, offset, reference window, floor, hold, evidence', () => {
    const r = one('KVCanaryTTFTP95Regression');
    expect(r.for).toBe(c.ttftRegression.for);
    expect(r.expr).toContain(`[${c.ttftRegression.referenceWindow}] offset ${c.ttftRegression.offset})\n> ${c.ttftRegression.factor}\n`);
    expect(r.expr).toContain(`> ${c.ttftRegression.floorSeconds}\n`);
    expect(r.expr).toContain(evidence(c.figureWindow));
  });

  it('burn-rate tiers: windows, limits, holds, evidence in the short window', () => {
    const rules = alerts('KVCanaryTTFTSLOBurnRate');
    expect(rules.map((r) => r.labels?.tier)).toEqual(c.slo.tiers.map((t) => `${t.longWindow}-${t.shortWindow}`));
    c.slo.tiers.forEach((t, i) => {
      const r = rules[i] as LoadedRule;
      const limit = Number((t.burnRate * (1 - c.slo.objective)).toPrecision(6));
      expect(r.for).toBe(t.for);
      expect(r.expr).toContain(`rate${t.longWindow} > ${limit}\n`);
      expect(r.expr).toContain(`rate${t.shortWindow} > ${limit}\n`);
      expect(r.expr).toContain(evidence(t.shortWindow));
    });
  });

  it('cache speedup, probe failing and candidate vs baseline: threshold, hold, evidence', () => {
    const speedup = one('KVCanaryCacheSpeedupCollapsed');
    expect(speedup.for).toBe(c.cacheSpeedup.for);
    expect(speedup.expr).toContain(`< ${c.cacheSpeedup.min}\n`);
    for (const name of ['KVCanaryCacheSpeedupCollapsed', 'KVCanaryProbeFailing', 'KVCanaryCandidateSlowerThanBaseline']) {
      expect(one(name).expr).toContain(evidence(c.figureWindow));
    }
    expect(one('KVCanaryProbeFailing').expr).toContain(`> ${c.probeFailing.maxErrorRatio}\n`);
  });
});
