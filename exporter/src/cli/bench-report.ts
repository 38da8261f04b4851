import type { Distribution, GroupMean, Summary } from '@kvcanary/contract/schemas';
import type { SampleIntervals } from '../stats/bootstrap.js';
import { pyFixed, pyInt, pyRight } from './python-format.js';

const RULE = '='.repeat(80);

export interface ReportExtras {
  seed: number;
  /** Header that named replicas, shown next to the per-replica counts. */
  replicaHeader?: string;
  /** Bootstrap 95% intervals of this run's figures. */
  ci95?: SampleIntervals;
  /** What was sent: the workload digest and whether turn 1 was cold by construction. */
  workload?: { digest: string; coldStart: boolean };
}

/**
 * One figure line as the reference prints them: the label and its colon padded to a fixed width,
 * then `{v:>10.2f}` and the unit (`  P50:    {v:>10.2f} ms`, `  First turn avg:  {v:>10.2f} ms`).
 */
const figure = (label: string, width: number, v: number, unit: string): string => `  ${`${label}:`.padEnd(width)}${pyRight(v, 10, 2)}${unit}`;

/** `  Min:    ` ... `  P99:    `: the reference's labels are padded to 8 characters. */
function distributionLines(d: Distribution, withP99: boolean): string[] {
  const rows: [string, number][] = [['Min', d.min], ['Max', d.max], ['Mean', d.mean], ['P50', d.p50], ['P95', d.p95]];
  if (withP99) rows.push(['P99', d.p99]);
  return rows.map(([label, v]) => figure(label, 8, v, ' ms'));
}

/** `  Turn {t:2d}: {v:>10.2f} ms avg ({n} requests)`; a capped label ("10+") is padded the same way. */
function turnLine(g: GroupMean): string {
  const n = Number(g.key);
  const turn = Number.isInteger(n) ? pyInt(n, 2) : g.key.padStart(2);
  return `  Turn ${turn}: ${pyRight(g.meanMs, 10, 2)} ms avg (${g.count} requests)`;
}

/** `  CODE:   {v:>10.2f} ms avg ({n} requests)`, CODE before TEXT as the reference prints them. */
function docTypeLines(groups: readonly GroupMean[]): string[] {
  return (['CODE', 'TEXT'] as const).flatMap((type) => {
    const g = groups.find((x) => x.key === type);
    return g ? [`  ${`${type}:`.padEnd(8)}${pyRight(g.meanMs, 10, 2)} ms avg (${g.count} requests)`] : [];
  });
}

/**
 * The reference tool's summary exactly as it prints it (its `_print_summary`: the same lines, the
 * same Python format specs, the same blank lines, sections left out when it would leave them out),
 * so that scripts written against its output read ours.
 */
function referenceLines(s: Summary): string[] {
  const lines = ['', RULE, 'BENCHMARK SUMMARY', RULE];
  if (s.requests === 0) return [...lines, 'No stats collected'];
  lines.push(
    '',
    `Total time: ${pyFixed(s.elapsedSeconds, 2)}s`,
    `Total requests: ${s.requests}`,
    `Completed conversations: ${s.conversationsCompleted}/${s.conversationsPlanned}`,
    `Requests per second: ${pyFixed(s.requestsPerSecond, 2)}`,
  );
  if (s.ttft) lines.push('', 'Time to First Token (TTFT):', ...distributionLines(s.ttft, true));
  if (s.totalTime) lines.push('', 'Total Request Time:', ...distributionLines(s.totalTime, false));
  lines.push('', 'TTFT by Turn Number:', ...s.byTurn.map(turnLine));
  lines.push('', 'TTFT by Document Type:', ...docTypeLines(s.byDocType));
  lines.push('', 'First Turn vs Subsequent Turns (Prefix Caching Indicator):');
  if (s.firstTurnMeanMs !== null) lines.push(figure('First turn avg', 17, s.firstTurnMeanMs, ' ms'));
  if (s.laterTurnsMeanMs !== null) lines.push(figure('Later turns avg', 17, s.laterTurnsMeanMs, ' ms'));
  if (s.cacheSpeedup !== null) lines.push(figure('Speedup ratio', 17, s.cacheSpeedup, 'x'));
  return [...lines, '', RULE];
}

/**
 * The reference tool's summary, character for character, then what it lacks, in the same style
 * (a blank line before each section, two-space indent, labels padded, figures `{v:>10.2f}`),
 * closed by a rule of its own.
 */
export function formatSummary(s: Summary, extras: ReportExtras): string {
  return [...referenceLines(s), ...extraLines(s, extras), '', RULE].join('\n');
}

const interval = (i: readonly [number, number] | null | undefined, unit: string): string =>
  i ? `[${pyFixed(i[0], 2)}, ${pyFixed(i[1], 2)}]${unit}` : 'n/a';

/** A label padded as the reference's longest ones (`  Later turns avg: `), then a free-form value. */
const row = (label: string, value: string): string => `  ${`${label}:`.padEnd(17)}${value}`;

/** What the reference does not print: workload, failures, tokens, ITL, replicas and affinity, intervals, seed. */
function extraLines(s: Summary, extras: ReportExtras): string[] {
  const lines: string[] = [];
  if (extras.workload) {
    const w = extras.workload;
    lines.push('', 'Workload:', row('Digest', w.digest));
    lines.push(row('Cold start', w.coldStart ? 'on (a per-conversation marker opens turn 1)' : 'off (identical first-turn prompts, as the reference)'));
  }

  const failures = Object.entries(s.outcomes).filter(([outcome]) => outcome !== 'success');
  lines.push('', 'Failed Requests by Outcome:');
  if (failures.length === 0) lines.push('  none');
  else for (const [outcome, count] of failures.sort(([a], [b]) => (a < b ? -1 : 1))) lines.push(row(outcome, pyInt(count, 10)));

  lines.push('', 'Tokens:', row('Prompt', pyInt(s.tokens.prompt, 10)), row('Completion', pyInt(s.tokens.completion, 10)));
  const { cached } = s.tokens;
  if (cached === null) {
    lines.push(row('Cached prompt', 'not reported by the server (vLLM reports it with --enable-prompt-tokens-details)'));
  } else {
    const cachedShare = s.tokens.prompt > 0 ? ` (${pyFixed((100 * cached) / s.tokens.prompt, 1)}% of prompt)` : '';
    lines.push(row('Cached prompt', `${pyInt(cached, 10)}${cachedShare}`));
  }

  // Only when reasoning came first: for other models the two are the same figures.
  const ttfc = s.timeToFirstContent;
  if (ttfc && s.ttft && (ttfc.count !== s.ttft.count || ttfc.mean !== s.ttft.mean)) {
    lines.push('', "Time to First Content (reasoning not counted, the reference tool's TTFT):", ...distributionLines(ttfc, true));
  }

  if (s.itl) lines.push('', 'Inter-Token Latency:', figure('Mean', 8, s.itl.mean, ' ms'), figure('P50', 8, s.itl.p50, ' ms'), figure('P95', 8, s.itl.p95, ' ms'));

  const replicas = Object.entries(s.replicas).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (replicas.length > 0 || s.turnAffinity !== null) {
    lines.push('', `Replicas${extras.replicaHeader ? ` (${extras.replicaHeader})` : ''}:`);
    if (s.turnAffinity !== null) lines.push(`  Turn affinity: ${pyFixed(100 * s.turnAffinity, 1)}% of later turns on the previous turn's replica`);
    for (const [name, count] of replicas) lines.push(`  ${name}: ${count} requests`);
  }

  if (extras.ci95) {
    const c = extras.ci95;
    lines.push(
      '',
      'Bootstrap 95% Confidence Intervals:',
      row('P50', interval(c.p50, ' ms')),
      row('P95', interval(c.p95, ' ms')),
      row('P99', interval(c.p99, ' ms')),
      row('Speedup ratio', interval(c.cacheSpeedup, 'x')),
    );
  }
  lines.push('', `Seed: ${extras.seed} (replay with --seed ${extras.seed})`);
  return lines;
}
