/**
 * The rule settings live in the contract (`@kvcanary/contract`, rule-config.ts), because `kvcanary plan`
 * and the standalone page read the same thresholds and windows; this module re-exports them for the
 * generator and adds the test-only variant.
 */
import { defaultRuleConfig, type RuleConfig } from '@kvcanary/contract';

export { defaultRuleConfig, type AlertLinks, type BurnRateTier, type Duration, type RuleConfig } from '@kvcanary/contract';

/**
 * The same rules with windows short enough for a test that runs a real Prometheus for a few minutes:
 * figures over 30s, the regression reference the 30s ending 45s ago (so a change shows within about
 * 20-75s), no `for` on the alerts the test waits for.
 */
export function shortWindows(base: RuleConfig = defaultRuleConfig): RuleConfig {
  return {
    ...base,
    evaluationInterval: '2s',
    figureWindow: '30s',
    ttftRegression: { ...base.ttftRegression, offset: '45s', referenceWindow: '30s', floorSeconds: 0.05, for: '0s' },
    cacheSpeedup: { ...base.cacheSpeedup, for: '0s' },
    probeAbsent: { window: '30s', for: '30s' },
  };
}
