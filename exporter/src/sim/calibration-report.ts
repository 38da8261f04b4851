import type { CalibrationSummary } from './calibration.js';
import type { PolicyName } from './router-policy.js';

/** The figures the reference benchmark published for one router, as the calibration compares them. */
export interface PublishedFigures {
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  firstTurnMeanMs: number;
  laterTurnMeanMs: number;
  speedup: number;
  /** "About 66 %": a share, read off the reference's Grafana panel. */
  kvHitRate: number;
}

/**
 * The reference benchmark's comparison table (4 x NVIDIA L4, Qwen3-0.6B, 11 conversations x 10
 * turns, parallel 4, the reference tool's defaults), as published in Red Hat's llm-d vs vLLM
 * multi-turn post (its manifests: github.com/rh-aiservices-bu/rhaoi3-llm-d). Round-robin is vLLM
 * behind a Kubernetes Service, prefix-aware is llm-d's inference gateway.
 */
export const PUBLISHED: Readonly<Partial<Record<PolicyName, PublishedFigures>>> = {
  'round-robin': { p50Ms: 123.22, p95Ms: 744.71, p99Ms: 840.95, firstTurnMeanMs: 351.64, laterTurnMeanMs: 196.29, speedup: 1.79, kvHitRate: 0.66 },
  'prefix-aware': { p50Ms: 92.09, p95Ms: 271.6, p99Ms: 674.21, firstTurnMeanMs: 361.79, laterTurnMeanMs: 94.22, speedup: 3.84, kvHitRate: 0.9 },
};

/** How close a figure must come: +-20 % of the published value, hit rates +-10 points. */
const RELATIVE_TOLERANCE = 0.2;
const HIT_RATE_TOLERANCE = 0.1;

const FIGURES: { key: keyof PublishedFigures; label: string; unit: 'ms' | 'x' | '%' }[] = [
  { key: 'p50Ms', label: 'P50', unit: 'ms' },
  { key: 'p95Ms', label: 'P95', unit: 'ms' },
  { key: 'p99Ms', label: 'P99', unit: 'ms' },
  { key: 'firstTurnMeanMs', label: 'first turn', unit: 'ms' },
  { key: 'laterTurnMeanMs', label: 'later turns', unit: 'ms' },
  { key: 'speedup', label: 'speedup', unit: 'x' },
  { key: 'kvHitRate', label: 'KV hit', unit: '%' },
];

export interface ReportRow {
  policy: PolicyName;
  figure: string;
  unit: 'ms' | 'x' | '%';
  median: number;
  min: number;
  max: number;
  published: number;
  within: boolean;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** One row per figure and router: the median over seeds, the spread, and whether it is close enough. */
export function compareToPublished(runs: readonly { policy: PolicyName; summary: CalibrationSummary }[]): ReportRow[] {
  const rows: ReportRow[] = [];
  for (const [policy, published] of Object.entries(PUBLISHED) as [PolicyName, PublishedFigures][]) {
    const mine = runs.filter((r) => r.policy === policy).map((r) => r.summary);
    if (mine.length === 0) continue;
    for (const f of FIGURES) {
      const values = mine.map((s) => s[f.key]);
      const m = median(values);
      const target = published[f.key];
      const within = f.unit === '%' ? Math.abs(m - target) <= HIT_RATE_TOLERANCE + 1e-12 : Math.abs(m - target) <= RELATIVE_TOLERANCE * target;
      rows.push({ policy, figure: f.label, unit: f.unit, median: m, min: Math.min(...values), max: Math.max(...values), published: target, within });
    }
  }
  return rows;
}

function show(v: number, unit: ReportRow['unit']): string {
  if (unit === '%') return `${(v * 100).toFixed(1)} %`;
  if (unit === 'x') return `${v.toFixed(2)}x`;
  return v.toFixed(1);
}

/** The table as printed: figure, median, spread, published, and the distance in % or points. */
export function formatReport(rows: readonly ReportRow[], seeds: number): string[] {
  const header = ['router', 'figure', `median of ${seeds}`, 'min-max', 'published', 'off by', 'within'];
  const body = rows.map((r) => {
    const off = r.unit === '%' ? `${((r.median - r.published) * 100).toFixed(1)} pts` : `${(((r.median - r.published) / r.published) * 100).toFixed(1)} %`;
    return [r.policy, `${r.figure}${r.unit === 'ms' ? ' (ms)' : ''}`, show(r.median, r.unit), `${show(r.min, r.unit)} - ${show(r.max, r.unit)}`, show(r.published, r.unit), off.startsWith('-') ? off : `+${off}`, r.within ? 'yes' : 'NO'];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  const within = rows.filter((r) => r.within).length;
  return [line(header), ...body.map(line), '', `${within} of ${rows.length} within (figures +-20 %, hit rates +-10 points)`];
}
