/**
 * From identified samples to one value per cell: the labels a figure needs, units from the contract,
 * and the notes on what could not be placed.
 */
import { panelFigures, type FigureId, type PanelFigure } from '@kvcanary/contract';
import { Sample } from './samples';
import { Message } from './view-model';

type FigureUnit = (typeof panelFigures)[FigureId]['unit'];

/** The view model's units: milliseconds for durations and times, 0-1 ratios, plain counts. */
function inViewUnit(unit: FigureUnit, value: number): number {
  switch (unit) {
    case 'seconds':
    case 'timestamp_seconds':
      return value * 1000;
    case 'ratio':
    case 'count':
    case 'tokens':
    case 'boolean':
      return value;
  }
}

/** One figure's value for one target (and replica, turn, outcome or GPU), and where it came from. */
export interface Placed {
  figure: FigureId;
  rank: number;
  refId: string;
  target: string;
  replica: string | null;
  /** The `by` label's value: a turn, an outcome, a GPU ('' for a replica's figure already averaged over its GPUs). */
  key: string | null;
  value: number;
}

type Placement = { placed: Placed } | { reason: string };

const definition = (figure: FigureId): PanelFigure => panelFigures[figure];

/** The labels a figure needs besides the value: the target, the replica of per-replica figures, its `by` label. */
export function place(sample: Sample, figure: FigureId, rank: number, targetLabel: string): Placement {
  const { scope, by } = definition(figure);
  const target = sample.labels[targetLabel];
  if (target === undefined) {
    return { reason: `${figure} has no "${targetLabel}" label (the panel's Target label option)` };
  }
  // A per-replica figure names its replica in the `replica` label, the scope's own name.
  const replica = scope === 'replica' ? sample.labels[scope] : null;
  if (replica === undefined) {
    return { reason: `${figure} is per replica and has no "${scope}" label` };
  }
  let key: string | null = null;
  if (by !== undefined) {
    const value = sample.labels[by];
    // GPU figures may come averaged per replica already: the recorded series has no `gpu` label.
    if (value === undefined && by !== 'gpu') {
      return { reason: `${figure} needs the "${by}" label` };
    }
    key = value ?? '';
  }
  const value = inViewUnit(panelFigures[figure].unit, sample.value);
  return { placed: { figure, rank, refId: sample.refId, target, replica, key, value } };
}

/** Notes on the queries whose results the panel could not place: one per refId, with the first reason. */
export class QueryNotes {
  private readonly byRefId = new Map<string, { reason: string; count: number }>();

  add(refId: string, reason: string, series = 1): void {
    const note = this.byRefId.get(refId);
    if (note) {
      note.count += series;
    } else {
      this.byRefId.set(refId, { reason, count: series });
    }
  }

  messages(): Message[] {
    return [...this.byRefId].map(([refId, { reason, count }]) => ({
      severity: 'warning' as const,
      text: `refId ${refId === '' ? '(none)' : refId}: ${reason}${count > 1 ? ` (${count} series not shown)` : ''}`,
    }));
  }
}

function cellKey(p: Placed): string {
  // GPUs of one replica share a cell: their mean is the replica's figure.
  const key = definition(p.figure).by === 'gpu' ? '' : p.key;
  return JSON.stringify([p.figure, p.target, p.replica, key]);
}

function describeCell(p: Placed): string {
  const where = [`target "${p.target}"`];
  if (p.replica !== null) {
    where.push(`replica "${p.replica}"`);
  }
  if (p.key) {
    where.push(`${definition(p.figure).by ?? ''} "${p.key}"`);
  }
  return where.join(', ');
}

/**
 * One value per cell. When several sources give a figure, the first in the contract's list wins (the
 * recorded series before the exporter's gauge, a named series before a result known by refId alone);
 * two series of the same rank for one cell (one per exporter, say) are not told apart, so neither is shown.
 */
export function resolve(placed: Placed[], notes: QueryNotes): Placed[] {
  const cells = new Map<string, Placed[]>();
  for (const p of placed) {
    cells.set(cellKey(p), [...(cells.get(cellKey(p)) ?? []), p]);
  }
  const resolved: Placed[] = [];
  for (const candidates of cells.values()) {
    const best = Math.min(...candidates.map((p) => p.rank));
    const chosen = candidates.filter((p) => p.rank === best);
    const keys = new Set(chosen.map((p) => p.key));
    const [first] = chosen;
    if (!first) {
      continue;
    }
    if (keys.size < chosen.length) {
      const reason = `several series give ${first.figure} of ${describeCell(first)}; aggregate them in the query`;
      notes.add(first.refId, reason, chosen.length);
      continue;
    }
    // Distinct keys in one cell are a replica's GPUs: the replica's figure is their mean.
    resolved.push({ ...first, value: chosen.reduce((sum, p) => sum + p.value, 0) / chosen.length });
  }
  return resolved;
}

