import type { Distribution, Summary } from '@kvcanary/contract/schemas';
import type { SampleIntervals } from '../stats/bootstrap.js';

const RULE = '='.repeat(80);

export interface ReportExtras {
  seed: number;
  /** Header that named replicas, shown next to the per-replica counts. */
  replicaHeader?: string;
  /** Bootstrap 95% intervals of this run's figures. */
  ci95?: SampleIntervals;
}

const ms = (v: number): string => `${v.toFixed(2)} ms`;
const orNa = (v: number | null, f: (v: number) => string): string => (v === null ? 'n/a' : f(v));

function distributionLines(d: Distribution | null, withP99: boolean): string[] {
  if (d === null) return ['  (no successful requests)'];
  const lines = [`  Min: ${ms(d.min)}`, `  Max: ${ms(d.max)}`, `  Mean: ${ms(d.mean)}`, `  P50: ${ms(d.p50)}`, `  P95: ${ms(d.p95)}`];
  if (withP99) lines.push(`  P99: ${ms(d.p99)}`);
  return lines;
}

/**
 * The reference tool's summary, section for section and line for line (banner, totals, TTFT,
 * total request time, by turn, by document type, first vs later turns), then what it lacks.
 */
export function formatSummary(s: Summary, extras: ReportExtras): string {
  const lines: string[] = [
    RULE,
    'BENCHMARK SUMMARY',
    RULE,
    `Total time: ${s.elapsedSeconds.toFixed(2)}s`,
    `Total requests: ${s.requests}`,
    `Completed conversations: ${s.conversationsCompleted}/${s.conversationsPlanned}`,
    `Requests per second: ${s.requestsPerSecond.toFixed(2)}`,
    '',
    'Time to First Token (TTFT):',
    ...distributionLines(s.ttft, true),
    '',
    'Total Request Time:',
    ...distributionLines(s.totalTime, false),
    '',
    'TTFT by Turn Number:',
    ...s.byTurn.map((g) => `  Turn ${g.key}: ${ms(g.meanMs)} avg (${g.count} requests)`),
    '',
    'TTFT by Document Type:',
    ...s.byDocType.map((g) => `  ${g.key}: ${ms(g.meanMs)} avg (${g.count} requests)`),
    '',
    'First Turn vs Subsequent Turns (Prefix Caching Indicator):',
    `  First turn avg: ${orNa(s.firstTurnMeanMs, ms)}`,
    `  Later turns avg: ${orNa(s.laterTurnsMeanMs, ms)}`,
    `  Speedup ratio: ${orNa(s.cacheSpeedup, (v) => `${v.toFixed(2)}x`)}`,
  ];
  lines.push('', ...extraLines(s, extras), RULE);
  return lines.join('\n');
}

const interval = (i: readonly [number, number] | null | undefined, f: (v: number) => string): string => (i ? `[${f(i[0])}, ${f(i[1])}]` : 'n/a');

/** What the reference does not print: failures, tokens, ITL, replicas and affinity, intervals, seed. */
function extraLines(s: Summary, extras: ReportExtras): string[] {
  const lines: string[] = [];
  const failures = Object.entries(s.outcomes).filter(([outcome]) => outcome !== 'success');
  lines.push('Failed Requests by Outcome:');
  if (failures.length === 0) lines.push('  none');
  else for (const [outcome, count] of failures.sort(([a], [b]) => (a < b ? -1 : 1))) lines.push(`  ${outcome}: ${count}`);

  lines.push('', 'Tokens:', `  Prompt: ${s.tokens.prompt}`, `  Completion: ${s.tokens.completion}`);
  const { cached } = s.tokens;
  if (cached === null) {
    lines.push('  Cached prompt: not reported by the server (vLLM reports it with --enable-prompt-tokens-details)');
  } else {
    const cachedShare = s.tokens.prompt > 0 ? ` (${((100 * cached) / s.tokens.prompt).toFixed(1)}% of prompt)` : '';
    lines.push(`  Cached prompt: ${cached}${cachedShare}`);
  }

  // Only when reasoning came first: for other models the two are the same figures.
  const ttfc = s.timeToFirstContent;
  if (ttfc && s.ttft && (ttfc.count !== s.ttft.count || ttfc.mean !== s.ttft.mean)) {
    lines.push('', 'Time to First Content (reasoning not counted, the reference tool\'s TTFT):', ...distributionLines(ttfc, true));
  }

  if (s.itl) lines.push('', 'Inter-Token Latency:', `  Mean: ${ms(s.itl.mean)}`, `  P50: ${ms(s.itl.p50)}`, `  P95: ${ms(s.itl.p95)}`);

  const replicas = Object.entries(s.replicas).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (replicas.length > 0 || s.turnAffinity !== null) {
    lines.push('', `Replicas${extras.replicaHeader ? ` (${extras.replicaHeader})` : ''}:`);
    if (s.turnAffinity !== null) lines.push(`  Turn affinity: ${(100 * s.turnAffinity).toFixed(1)}% of later turns on the previous turn's replica`);
    for (const [name, count] of replicas) lines.push(`  ${name}: ${count} requests`);
  }

  if (extras.ci95) {
    const c = extras.ci95;
    const f = (v: number): string => v.toFixed(2);
    lines.push(
      '',
      'Bootstrap 95% Confidence Intervals:',
      `  P50: ${interval(c.p50, f)} ms`,
      `  P95: ${interval(c.p95, f)} ms`,
      `  P99: ${interval(c.p99, f)} ms`,
      `  Speedup ratio: ${interval(c.cacheSpeedup, f)}x`,
    );
  }
  lines.push('', `Seed: ${extras.seed} (replay with --seed ${extras.seed})`);
  return lines;
}
