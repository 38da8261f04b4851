/**
 * Every threshold and window of the kvcanary alert rules, in one place: the rule generator
 * (`monitoring/src/rules.ts`) renders the rule file from `defaultRuleConfig`, and `kvcanary plan` and the
 * standalone page's trend chart read the same object, so what they simulate or mark cannot drift from
 * what Prometheus evaluates. Change a number here, run `npm run generate`, and the rule file, the
 * PrometheusRule and the README table follow.
 */

import { CANDIDATE, NO_ROLE, type Role } from './labels.js';

/** A Prometheus duration string such as `5m`, `1h`, `30s`. */
export type Duration = string;

/** Where a notification sends the person it reaches: both are templates, filled per alert. */
export interface AlertLinks {
  /** The alert's section of the runbook: `{anchor}` becomes the section's heading anchor (the alert name, lower-cased). */
  runbookUrl: string;
  /** The overview dashboard: `{uid}` becomes `dashboardUid`; the alert's target is added as `var-target`. */
  dashboardUrl: string;
  /** The overview dashboard's uid (`mainDashboardUid` in dashboards/src/main-dashboard.ts). */
  dashboardUid: string;
}

/** One tier of a multi-window multi-burn-rate alert (Google SRE workbook, chapter 5). */
export interface BurnRateTier {
  /** `page` tiers are critical, `ticket` tiers are warnings. */
  kind: 'page' | 'ticket';
  longWindow: Duration;
  shortWindow: Duration;
  /** Error-budget burn rate both windows must exceed. */
  burnRate: number;
  for: Duration;
}

export interface RuleConfig {
  /** The rule group's evaluation interval. */
  evaluationInterval: Duration;
  /** The `rate()` window behind every dashboard figure (quantiles, means, ratios, hit ratios). */
  figureWindow: Duration;
  /** Label matcher selecting the exporter's scrape job(s) in `up`, used by KVCanaryProbeAbsent. */
  exporterJobMatcher: string;
  /**
   * Finished probe requests a target needs in an alert's window before a latency or ratio alert may fire
   * on it: a quiet or just-restarted target never pages on a handful of samples.
   */
  minProbeRequests: number;
  links: AlertLinks;

  ttftRegression: {
    /** Fires when P95 exceeds `factor` times its own level `offset` earlier ... */
    factor: number;
    offset: Duration;
    /** ... averaged over this window (one past sample is as noisy as the present one) ... */
    referenceWindow: Duration;
    /** ... and is above this absolute floor, in seconds (a fast service doubling is not news) ... */
    floorSeconds: number;
    /** ... for this long. */
    for: Duration;
  };
  slo: {
    /** TTFT threshold: must equal one of the bucket bounds of the contract's `exporterMetrics.ttft`. */
    ttftBucket: string;
    /** Share of probes that must start streaming within `ttftBucket`. */
    objective: number;
    tiers: BurnRateTier[];
  };
  candidateVsBaseline: {
    /** Candidate P95 / baseline P95 above which the candidate is called slower. */
    maxRatio: number;
    for: Duration;
  };
  cacheSpeedup: {
    /** Turn-1 mean TTFT / later-turn mean TTFT below which the cache is not doing its job. */
    min: number;
    for: Duration;
    /**
     * Roles (the `role` label of the exporter's target info; `none` for a target without one) of the
     * targets expected to hold their cache: the only ones this alert watches. A baseline is often a plain
     * round-robin Service whose speedup is poor by design.
     */
    roles: readonly (Role | typeof NO_ROLE)[];
  };
  replicaKvHit: {
    /** Per-replica prefix-cache hit ratio (from counter rates) below which the alert fires. */
    min: number;
    for: Duration;
  };
  replicaImbalance: {
    /** Smoothing window of the per-replica KV-usage and GPU gauges. */
    window: Duration;
    /** Absolute distance (0-1) of a replica from its target's mean that counts as imbalance. */
    maxDeviation: number;
    for: Duration;
  };
  probeFailing: {
    /** Share of probe requests that did not succeed. */
    maxErrorRatio: number;
    for: Duration;
  };
  probeAbsent: {
    /** Window in which at least one probe request must have finished per target. */
    window: Duration;
    for: Duration;
  };
}

export const defaultRuleConfig: RuleConfig = {
  evaluationInterval: '30s',
  figureWindow: '5m',
  exporterJobMatcher: 'job=~".*kvcanary.*"',
  minProbeRequests: 20,
  links: {
    // This repository (the org of the image in the root package.json's config.image), its runbook on main.
    runbookUrl: 'https://github.com/kvcanary/kvcanary/blob/main/docs/alert-runbook.md#{anchor}',
    // Grafana's own default address (https://grafana.com/docs/grafana/latest/setup-grafana/configure-grafana/#http_port): set yours.
    dashboardUrl: 'http://localhost:3000/d/{uid}',
    dashboardUid: 'kvcanary-overview',
  },
  ttftRegression: { factor: 1.5, offset: '1d', referenceWindow: '1h', floorSeconds: 0.25, for: '15m' },
  slo: {
    ttftBucket: '1',
    objective: 0.99,
    tiers: [
      { kind: 'page', longWindow: '1h', shortWindow: '5m', burnRate: 14.4, for: '2m' },
      { kind: 'page', longWindow: '6h', shortWindow: '30m', burnRate: 6, for: '15m' },
      { kind: 'ticket', longWindow: '1d', shortWindow: '2h', burnRate: 3, for: '1h' },
      { kind: 'ticket', longWindow: '3d', shortWindow: '6h', burnRate: 1, for: '3h' },
    ],
  },
  candidateVsBaseline: { maxRatio: 1.2, for: '30m' },
  cacheSpeedup: { min: 2, for: '15m', roles: [CANDIDATE, NO_ROLE] },
  replicaKvHit: { min: 0.5, for: '30m' },
  replicaImbalance: { window: '10m', maxDeviation: 0.3, for: '30m' },
  probeFailing: { maxErrorRatio: 0.05, for: '10m' },
  probeAbsent: { window: '10m', for: '10m' },
};

// Units of Prometheus durations (prometheus/common model/time.go, ParseDuration).
const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 };

/** Seconds in a Prometheus duration such as `1h30m` or `30s`; throws on anything else. */
export function durationSeconds(d: Duration): number {
  const parts = [...d.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)];
  if (d.length === 0 || parts.map((p) => p[0]).join('') !== d) throw new Error(`'${d}' is not a Prometheus duration`);
  return parts.reduce((sum, p) => sum + Number(p[1]) * (UNIT_SECONDS[p[2] as string] as number), 0);
}
