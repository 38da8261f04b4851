/**
 * The plan `kvcanary plan` prints: for each latency alert and each probe rate, the false alarms per 30
 * days of unchanged service and the detection delay (median, p90 over trials) of each change, all from
 * replays of the recorded samples (alert-replay.ts).
 */
import { durationSeconds, type RuleConfig } from '@kvcanary/contract';
import type { PlanChange, PlanDetection, PlanRow } from '@kvcanary/contract/schemas';
import { seededRandom } from '../util/random.js';
import { replay, replayedAlerts, type Change, type ReplaySample, type ReplaySettings } from './alert-replay.js';
import { referencePercentile } from './percentile.js';

/** The changes every plan replays: the three tail regressions of the issue, and the cache losing half its speedup. */
export const PLAN_CHANGES: readonly PlanChange[] = [
  { id: 'p95x1.25', label: 'P95 TTFT x1.25', scales: 'ttft', factor: 1.25 },
  { id: 'p95x1.5', label: 'P95 TTFT x1.5', scales: 'ttft', factor: 1.5 },
  { id: 'p95x2', label: 'P95 TTFT x2', scales: 'ttft', factor: 2 },
  { id: 'speedup/2', label: 'cache speedup halves', scales: 'later-turns', factor: 2 },
];

/** The configured rate and these multiples of it. */
export const RATE_MULTIPLIERS = [1, 2, 4] as const;

export function changeOf(c: PlanChange): Change {
  return c.scales === 'ttft' ? (s) => s.seconds * c.factor : (s) => (s.firstTurn ? s.seconds : s.seconds * c.factor);
}

export interface PlanOptions {
  samples: readonly ReplaySample[];
  rules: RuleConfig;
  bounds: readonly number[];
  scrapeIntervalSeconds: number;
  requestsPerMinute: number;
  /** Detection trials per change and rate. */
  trials: number;
  /** Simulated days of unchanged service per rate, for the false alarms. */
  days: number;
  /** A trial in which an alert has not fired after this long counts as not detected. */
  horizonSeconds: number;
  seed: number;
  changes?: readonly PlanChange[];
  multipliers?: readonly number[];
  /** Called with a line of progress now and then. */
  progress?: (line: string) => void;
}

/** Median and p90 of delays, the reference tool's percentile, with "not within the horizon" as Infinity. */
function detectionOf(change: string, delays: readonly (number | null)[]): PlanDetection {
  const sorted = delays.map((d) => d ?? Infinity).sort((a, b) => a - b);
  const finite = (v: number) => (Number.isFinite(v) ? v : null);
  const detected = delays.filter((d) => d !== null).length;
  return {
    change,
    medianSeconds: finite(referencePercentile(sorted, 0.5)),
    p90Seconds: finite(referencePercentile(sorted, 0.9)),
    detectedShare: delays.length === 0 ? 0 : detected / delays.length,
  };
}

export function planAlerts(o: PlanOptions): PlanRow[] {
  const changes = o.changes ?? PLAN_CHANGES;
  const multipliers = o.multipliers ?? RATE_MULTIPLIERS;
  const alerts = replayedAlerts(o.rules);
  const random = seededRandom(o.seed);
  // The reference window and the figure window fill before a run starts; the burn-rate tiers' longer
  // windows start from their expected contents, so only their first days understate the noise.
  const warmup = durationSeconds(o.rules.figureWindow) + durationSeconds(o.rules.ttftRegression.referenceWindow);
  const rows: PlanRow[] = [];
  for (const multiplier of multipliers) {
    const requestsPerMinute = o.requestsPerMinute * multiplier;
    const settings: ReplaySettings = { rules: o.rules, bounds: o.bounds, scrapeIntervalSeconds: o.scrapeIntervalSeconds, requestsPerSecond: requestsPerMinute / 60 };
    o.progress?.(`${fmtRate(requestsPerMinute)}: ${o.days} days unchanged`);
    const quiet = replay({
      samples: o.samples,
      settings,
      change: (s) => s.seconds,
      random,
      warmupSeconds: warmup,
      runSeconds: o.days * 86_400,
      stopWhenAllFired: false,
    });
    const delays = changes.map((c) => {
      o.progress?.(`${fmtRate(requestsPerMinute)}: ${o.trials} trials of ${c.label}`);
      const change = changeOf(c);
      return Array.from({ length: o.trials }, () =>
        replay({ samples: o.samples, settings, change, random, warmupSeconds: warmup, runSeconds: o.horizonSeconds, stopWhenAllFired: true }).firstFiring,
      );
    });
    alerts.forEach((a, i) => {
      rows.push({
        alert: a.alert,
        ...(a.tier === undefined ? {} : { tier: a.tier }),
        rateMultiplier: multiplier,
        requestsPerMinute,
        falseAlarmsPer30Days: ((quiet.episodes[i] as number) * 30) / o.days,
        detection: changes.map((c, k) => detectionOf(c.id, (delays[k] as (number | null)[][]).map((trial) => trial[i] as number | null))),
      });
    });
  }
  return rows;
}

function fmtRate(perMinute: number): string {
  return `${Number(perMinute.toPrecision(3))} probes/min`;
}
