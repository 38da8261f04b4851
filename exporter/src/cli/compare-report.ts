import type { Summary } from '@kvcanary/contract/schemas';
import type { RunDifference, Statistic } from '../stats/bootstrap.js';

export interface ComparisonInput {
  names: readonly [string, string];
  baseline: Summary;
  candidate: Summary;
  /** The runs' workload digests (baseline, candidate); different ones are compared only on request. */
  workloads: readonly [string, string];
  difference: RunDifference;
  iterations: number;
  seed: number;
}

interface Row {
  metric: string;
  statistic: Statistic;
  value(s: Summary): number | null;
  /** Latency rows: lower is better. The speedup row: higher is better. */
  kind: 'latency' | 'ratio';
}

const ROWS: readonly Row[] = [
  { metric: 'P50 TTFT', statistic: 'p50', value: (s) => s.ttft?.p50 ?? null, kind: 'latency' },
  { metric: 'P95 TTFT', statistic: 'p95', value: (s) => s.ttft?.p95 ?? null, kind: 'latency' },
  { metric: 'P99 TTFT', statistic: 'p99', value: (s) => s.ttft?.p99 ?? null, kind: 'latency' },
  { metric: 'Cache speedup', statistic: 'cacheSpeedup', value: (s) => s.cacheSpeedup, kind: 'ratio' },
  { metric: 'First turn TTFT (mean)', statistic: 'firstTurnMean', value: (s) => s.firstTurnMeanMs, kind: 'latency' },
  { metric: 'Later turns TTFT (mean)', statistic: 'laterTurnsMean', value: (s) => s.laterTurnsMeanMs, kind: 'latency' },
];

/** "63% faster", "12% slower", "same": how much less time the candidate takes. */
export function latencyImprovement(baseline: number, candidate: number): string {
  if (baseline <= 0) return 'n/a';
  const pct = Math.round((100 * (baseline - candidate)) / baseline);
  if (pct > 0) return `${pct}% faster`;
  if (pct < 0) return `${-pct}% slower`;
  return 'same';
}

/** "2.1× better" for a large gain in speedup, "8% better" / "5% worse" for small moves. */
export function ratioImprovement(baseline: number, candidate: number): string {
  if (baseline <= 0) return 'n/a';
  const ratio = candidate / baseline;
  if (ratio >= 1.1) return `${ratio.toFixed(1)}× better`;
  const pct = Math.round(100 * (ratio - 1));
  if (pct > 0) return `${pct}% better`;
  if (pct < 0) return `${-pct}% worse`;
  return 'same';
}

const signed = (v: number, digits: number): string => `${v >= 0 ? '+' : ''}${v.toFixed(digits)}`;

function cells(row: Row, input: ComparisonInput): string[] {
  const b = row.value(input.baseline);
  const c = row.value(input.candidate);
  const show = (v: number | null): string => (v === null ? 'n/a' : row.kind === 'latency' ? `${Math.round(v)} ms` : `${v.toFixed(2)}×`);
  const improvement = b === null || c === null ? 'n/a' : row.kind === 'latency' ? latencyImprovement(b, c) : ratioImprovement(b, c);
  const d = input.difference.differences[row.statistic];
  const digits = row.kind === 'latency' ? 1 : 2;
  const unit = row.kind === 'latency' ? ' ms' : '×';
  const diff =
    d.estimate === null ? 'n/a' : `${signed(d.estimate, digits)}${unit} ${d.ci95 ? `[${signed(d.ci95[0], digits)}, ${signed(d.ci95[1], digits)}]` : '[n/a]'}`;
  const verdict = d.ci95 === null ? 'n/a' : d.significant ? 'significant' : 'within noise';
  return [row.metric, show(b), show(c), improvement, diff, verdict];
}

/** A pipe table, columns padded to their widest cell, as the reference document's tables read. */
export function pipeTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cellsOfRow: readonly string[]): string => `| ${cellsOfRow.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** The reference's comparison table plus each difference's bootstrap interval and a verdict. */
export function formatComparison(input: ComparisonInput): string {
  const [a, b] = input.names;
  const header = ['Metric', a, b, 'Improvement', `${b} - ${a} (95% CI)`, 'Verdict'];
  const table = pipeTable(header, ROWS.map((row) => cells(row, input)));
  const d = input.difference;
  const [wa, wb] = input.workloads;
  const how =
    wa !== wb
      ? `unpaired: different workloads (${a} ${wa}, ${b} ${wb}), compared anyway as asked (--across-workloads)`
      : d.paired
        ? `paired by (conversation, turn) over ${d.pairs} request pairs: both runs used the same script`
        : 'unpaired: the runs used different scripts (seed, turns or documents differ)';
  return [
    table,
    '',
    `95% intervals: bootstrap over conversations, ${input.iterations} resamples, seed ${input.seed}; ${how}.`,
    'A difference is significant when its interval excludes zero; otherwise it is within the noise of these two runs.',
  ].join('\n');
}
