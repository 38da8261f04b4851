import { compareTurnLabels, type Role } from '@kvcanary/contract';
import type { Intervals } from '@kvcanary/contract/schemas';
import { ComparisonOptions } from '../options';
import { ComparisonRow, Improvement, Interval, Message, TargetFigures, TurnRow, ViewModel } from './view-model';

/** What both adapters hand over: the targets found (in the order first seen) and any query errors. */
export interface CompareInput {
  targets: TargetFigures[];
  errors: string[];
  /** What the adapter could not use, and why (queries the panel cannot place). */
  notes: Message[];
  options: ComparisonOptions;
  /** Says what was looked for, for the no-data message. */
  noDataHint: string;
}

/**
 * How much better the candidate is than the baseline.
 * Latencies: lower is better, said as "63% faster" / "12% slower" (relative to baseline).
 * Ratios (cache speedup): higher is better, said as "2.1× better" from 1.1× up, as a percentage below that.
 */
export function improvement(
  kind: ComparisonRow['kind'],
  baseline: number | null,
  candidate: number | null,
  options: Pick<ComparisonOptions, 'betterThreshold' | 'worseThreshold'>
): Improvement | null {
  if (baseline === null || candidate === null || !(baseline > 0) || !(candidate > 0)) {
    return null;
  }
  // Both as "percent better" and "percent worse", each relative to the side it is measured from.
  const candidateBetter = kind === 'latency' ? candidate < baseline : candidate > baseline;
  let text: string;
  let percent: number;
  if (kind === 'latency') {
    percent = candidateBetter ? (1 - candidate / baseline) * 100 : (candidate / baseline - 1) * 100;
    text = `${Math.round(percent)}% ${candidateBetter ? 'faster' : 'slower'}`;
  } else {
    const factor = candidateBetter ? candidate / baseline : baseline / candidate;
    percent = (factor - 1) * 100;
    const word = candidateBetter ? 'better' : 'worse';
    text = factor >= 1.1 ? `${truncate(factor, 1)}× ${word}` : `${Math.round(percent)}% ${word}`;
  }
  if (Math.round(percent) === 0) {
    return { text: 'same', verdict: 'neutral' };
  }
  const threshold = candidateBetter ? options.betterThreshold : options.worseThreshold;
  const verdict = percent >= threshold ? (candidateBetter ? 'better' : 'worse') : 'neutral';
  return { text, verdict };
}

/** Rounds down, so a factor of 2.145 reads "2.1×" and never overstates. */
function truncate(value: number, decimals: number): string {
  const scale = 10 ** decimals;
  return (Math.floor(value * scale + 1e-9) / scale).toFixed(decimals);
}

function pickSides(
  targets: TargetFigures[],
  options: ComparisonOptions
): { baselineName: string | null; candidateName: string | null } {
  const names = targets.map((t) => t.name);
  const byRole = (role: Role) => targets.find((t) => t.role === role)?.name ?? null;
  const baselineName =
    options.baseline !== ''
      ? options.baseline
      : byRole('baseline') ?? names.find((n) => n !== options.candidate && n !== byRole('candidate')) ?? null;
  const candidateName =
    options.candidate !== ''
      ? options.candidate
      : byRole('candidate') ?? names.find((n) => n !== baselineName) ?? null;
  return { baselineName, candidateName };
}

/** True when both intervals are known and share at least one value. */
export function intervalsOverlap(a: Interval | null, b: Interval | null): boolean {
  return a !== null && b !== null && Math.max(a[0], b[0]) <= Math.min(a[1], b[1]);
}

/**
 * The change, said as before; when the two 95% intervals overlap the difference is not told apart from noise,
 * so the verdict turns neutral (the text still says which way the point estimates moved).
 */
export function improvementWithNoise(
  kind: ComparisonRow['kind'],
  baseline: number | null,
  candidate: number | null,
  baselineCi: Interval | null,
  candidateCi: Interval | null,
  options: Pick<ComparisonOptions, 'betterThreshold' | 'worseThreshold'>
): Improvement | null {
  const change = improvement(kind, baseline, candidate, options);
  if (change === null || !intervalsOverlap(baselineCi, candidateCi)) {
    return change;
  }
  return { ...change, verdict: 'neutral', withinNoise: true };
}

type Pair<T> = readonly [T, T];

function row(
  id: ComparisonRow['id'],
  label: string,
  kind: ComparisonRow['kind'],
  [baseline, candidate]: Pair<number | null>,
  [baselineCi, candidateCi]: Pair<Interval | null>,
  options: ComparisonOptions
): ComparisonRow {
  return {
    id,
    label,
    kind,
    baseline,
    candidate,
    baselineCi,
    candidateCi,
    improvement: improvementWithNoise(kind, baseline, candidate, baselineCi, candidateCi, options),
  };
}

function turnRows(baseline: TargetFigures | null, candidate: TargetFigures | null): TurnRow[] {
  const turns = new Set<string>();
  baseline?.byTurn.forEach((t) => turns.add(t.turn));
  candidate?.byTurn.forEach((t) => turns.add(t.turn));
  const find = (target: TargetFigures | null, turn: string) => target?.byTurn.find((t) => t.turn === turn)?.meanMs ?? null;
  return [...turns].sort(compareTurnLabels).map((turn) => ({
    turn,
    baselineMs: find(baseline, turn),
    candidateMs: find(candidate, turn),
  }));
}

/** Outside the engine = canary mean - engine mean, when the source did not state it (the summary API does not). */
function withOutsideEngine(target: TargetFigures): TargetFigures {
  const { ttftMeanMs, engine, outsideEngineMs } = target;
  if (outsideEngineMs !== null || ttftMeanMs === null || engine.ttftMs === null) {
    return target;
  }
  return { ...target, outsideEngineMs: ttftMeanMs - engine.ttftMs };
}

/** The split rows that have a figure on either side; none at all when no side has an engine figure. */
function splitRows(rows: ComparisonRow[]): ComparisonRow[] {
  const known = rows.filter((r) => r.baseline !== null || r.candidate !== null);
  return known.some((r) => r.id !== 'ttftMean') ? known : [];
}

function hasFigures(target: TargetFigures): boolean {
  return (
    target.ttft.p50 !== null ||
    target.ttft.p95 !== null ||
    target.ttft.p99 !== null ||
    target.cacheSpeedup !== null ||
    target.byTurn.length > 0 ||
    target.replicas.length > 0 ||
    target.requests !== null
  );
}

/** Picks baseline and candidate, lines their figures up and says what is missing. */
export function buildViewModel({ targets, errors, notes, options, noDataHint }: CompareInput): ViewModel {
  const messages: Message[] = [...errors.map((text): Message => ({ severity: 'error', text })), ...notes];
  const usable = targets.filter(hasFigures).map(withOutsideEngine);
  const targetsSeen = usable.map((t) => t.name);
  const empty: ViewModel = {
    state: errors.length > 0 ? 'error' : 'no-data',
    messages,
    baseline: null,
    candidate: null,
    headline: [],
    firstLater: [],
    ttftSplit: [],
    turns: [],
    targetsSeen,
  };
  if (usable.length === 0) {
    if (errors.length === 0) {
      messages.push({ severity: 'info', text: noDataHint });
    }
    return empty;
  }

  const { baselineName, candidateName } = pickSides(usable, options);
  const baseline = usable.find((t) => t.name === baselineName) ?? null;
  const candidate = usable.find((t) => t.name === candidateName && t !== baseline) ?? null;
  const seen = targetsSeen.map((n) => `"${n}"`).join(', ');
  if (baseline === null && baselineName !== null) {
    messages.push({ severity: 'warning', text: `Baseline "${baselineName}" has no data (targets seen: ${seen}).` });
  }
  if (candidate === null) {
    messages.push({
      severity: 'warning',
      text:
        candidateName === null
          ? `Only one target (${seen}) has data; the comparison needs a second.`
          : `Candidate "${candidateName}" has no data (targets seen: ${seen}).`,
    });
  }
  for (const side of [baseline, candidate]) {
    if (side?.up === false) {
      messages.push({ severity: 'warning', text: `Target "${side.name}" is down: its last probes failed.` });
    }
    const downReplicas = side?.replicas.filter((r) => r.up === false).map((r) => r.name) ?? [];
    if (side && downReplicas.length > 0) {
      messages.push({ severity: 'warning', text: `${side.name}: replica ${downReplicas.join(', ')} down.` });
    }
  }

  const pair = <T>(get: (t: TargetFigures) => T | null): Pair<T | null> =>
    [baseline ? get(baseline) : null, candidate ? get(candidate) : null] as const;
  const ci = (key: keyof Intervals) => pair((t) => t.ci95?.[key] ?? null);
  const noCi: Pair<Interval | null> = [null, null];
  return {
    state: errors.length > 0 || baseline === null || candidate === null ? 'partial' : 'ok',
    messages,
    baseline,
    candidate,
    headline: [
      row('p50', 'P50', 'latency', pair((t) => t.ttft.p50), ci('p50'), options),
      row('p95', 'P95', 'latency', pair((t) => t.ttft.p95), ci('p95'), options),
      row('p99', 'P99', 'latency', pair((t) => t.ttft.p99), ci('p99'), options),
      row('cacheSpeedup', 'Cache speedup', 'ratio', pair((t) => t.cacheSpeedup), ci('cacheSpeedup'), options),
    ],
    firstLater: [
      row('firstTurn', 'First turn', 'latency', pair((t) => t.firstTurnMs), noCi, options),
      row('laterTurns', 'Later turns', 'latency', pair((t) => t.laterTurnsMs), noCi, options),
    ],
    ttftSplit: splitRows([
      row('ttftMean', 'Canary (client)', 'latency', pair((t) => t.ttftMeanMs), noCi, options),
      row('engineTtft', 'In the engine', 'latency', pair((t) => t.engine.ttftMs), noCi, options),
      row('engineQueue', '… of which queue', 'latency', pair((t) => t.engine.queueMs), noCi, options),
      row('enginePrefill', '… of which prefill', 'latency', pair((t) => t.engine.prefillMs), noCi, options),
      row('outsideEngine', 'Outside the engine', 'latency', pair((t) => t.outsideEngineMs), noCi, options),
    ]),
    turns: turnRows(baseline, candidate),
    targetsSeen,
  };
}
