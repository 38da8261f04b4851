import type { Role } from '@kvcanary/contract';
import type { Summary } from '@kvcanary/contract/schemas';

/**
 * The terminal view of `kvcanary serve`: the reference document's comparison (P50/P95/P99 TTFT,
 * first vs later turns, cache speedup) for the current window, and the candidate's improvement
 * over the baseline. Pure: it formats summaries the exporter already computed.
 */
export interface TableRow {
  summary: Summary;
  role: Role | null;
  up: boolean;
}

const ms = (v: number | null | undefined): string => (v === null || v === undefined ? '-' : `${v.toFixed(1)}`);
const ratio = (v: number | null): string => (v === null ? '-' : `${v.toFixed(2)}x`);
const pct = (v: number | null): string => (v === null ? '-' : `${(v * 100).toFixed(0)}%`);

/** (baseline - candidate) / baseline: positive when the candidate is faster. */
export function improvement(baseline: number | null | undefined, candidate: number | null | undefined): number | null {
  if (baseline === null || baseline === undefined || candidate === null || candidate === undefined || baseline <= 0) return null;
  return (baseline - candidate) / baseline;
}

function errors(s: Summary): number {
  return s.requests - (s.outcomes.success ?? 0);
}

export function renderTable(rows: readonly TableRow[], windowSeconds: number): string {
  const header = ['target', 'role', 'up', 'requests', 'errors', 'P50 ms', 'P95 ms', 'P99 ms', 'turn 1 ms', 'later ms', 'speedup', 'affinity'];
  const body = rows.map(({ summary: s, role, up }) => [
    s.target,
    role ?? '',
    up ? 'yes' : 'no',
    String(s.requests),
    String(errors(s)),
    ms(s.ttft?.p50),
    ms(s.ttft?.p95),
    ms(s.ttft?.p99),
    ms(s.firstTurnMeanMs),
    ms(s.laterTurnsMeanMs),
    ratio(s.cacheSpeedup),
    pct(s.turnAffinity),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] as string).length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  const out = [`TTFT over the last ${Math.round(windowSeconds)} s`, line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
  const base = rows.find((r) => r.role === 'baseline')?.summary;
  const cand = rows.find((r) => r.role === 'candidate')?.summary;
  if (base && cand) {
    const imp = (b: number | null | undefined, c: number | null | undefined): string => {
      const v = improvement(b, c);
      return v === null ? '-' : `${(Math.abs(v) * 100).toFixed(1)}% ${v >= 0 ? 'faster' : 'slower'}`;
    };
    out.push('');
    out.push(`${cand.target} vs ${base.target}: P50 ${imp(base.ttft?.p50, cand.ttft?.p50)}, P95 ${imp(base.ttft?.p95, cand.ttft?.p95)}, P99 ${imp(base.ttft?.p99, cand.ttft?.p99)}; cache speedup ${ratio(cand.cacheSpeedup)} vs ${ratio(base.cacheSpeedup)}`);
  }
  return out.join('\n');
}

/** One line per target for logs and pipes (no cursor control). */
export function renderPlain(rows: readonly TableRow[]): string {
  return rows
    .map(({ summary: s, role }) => `${s.target}${role ? ` (${role})` : ''}: requests=${s.requests} errors=${errors(s)} p50=${ms(s.ttft?.p50)}ms p95=${ms(s.ttft?.p95)}ms p99=${ms(s.ttft?.p99)}ms speedup=${ratio(s.cacheSpeedup)}`)
    .join('\n');
}
