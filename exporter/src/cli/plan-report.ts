import type { PlanDetection, PlanJson } from '@kvcanary/contract/schemas';

/** 930 -> "15.5m", 5400 -> "1.5h": delays read in the units the rules' windows use. */
export function formatDelay(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)}s`;
  if (seconds < 7200) return `${Number((seconds / 60).toFixed(1))}m`;
  return `${Number((seconds / 3600).toFixed(1))}h`;
}

/** "median / p90"; a share under 100% fired within the horizon is named, and "-" when none did. */
export function detectionCell(d: PlanDetection, horizonSeconds: number): string {
  const beyond = `>${formatDelay(horizonSeconds)}`;
  if (d.detectedShare === 0) return '-';
  const median = d.medianSeconds === null ? beyond : formatDelay(d.medianSeconds);
  const p90 = d.p90Seconds === null ? beyond : formatDelay(d.p90Seconds);
  const share = d.detectedShare < 1 ? ` (${Math.round(d.detectedShare * 100)}%)` : '';
  return `${median} / ${p90}${share}`;
}

function rateCell(perMinute: number): string {
  return String(Number(perMinute.toPrecision(3)));
}

/** The printed plan: what was resampled and how, then one row per alert and probe rate. */
export function formatPlan(plan: PlanJson): string {
  const s = plan.settings;
  const header = ['alert', 'probes/min', 'false/30d', ...plan.changes.map((c) => c.label)];
  const rows = plan.rows.map((r) => [
    r.tier === undefined ? r.alert : `${r.alert} ${r.tier}`,
    `${rateCell(r.requestsPerMinute)}${r.rateMultiplier === 1 ? '' : ` (${r.rateMultiplier}x)`}`,
    String(Number(r.falseAlarmsPer30Days.toFixed(2))),
    ...r.detection.map((d) => detectionCell(d, s.horizonSeconds)),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  return [
    `kvcanary plan: ${plan.target} from ${plan.source}, ${plan.samples} successful requests resampled (first turns ${Math.round(plan.firstTurnShare * 100)}%)`,
    `pacing: ${rateCell(plan.pacing.requestsPerMinute)} probes/min (${plan.pacing.from})`,
    `rules: evaluated every ${s.evaluationIntervalSeconds}s on scrapes every ${s.scrapeIntervalSeconds}s, at least ${s.minProbeRequests} probes in an alert's window`,
    `replays: ${s.days} days unchanged per rate; ${s.trials} trials per change, each change starting just after an evaluation, horizon ${formatDelay(s.horizonSeconds)}; seed ${s.seed}`,
    '',
    line(header),
    ...rows.map(line),
    '',
    'false/30d: firings per 30 days when nothing changes. Change columns: time from the change to the alert firing, median / p90 over',
    `the trials; (N%) = share of trials that fired within ${formatDelay(s.horizonSeconds)}, "-" = none did.`,
  ].join('\n');
}
