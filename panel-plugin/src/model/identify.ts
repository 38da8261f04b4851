import { contractSeriesNames, FIGURE_IDS, panelFigures, type FigureId, type FigureSource } from '@kvcanary/contract';
import { Sample } from './samples';

/** What a sample is, decided by its exact name or its query's exact refId, never by its text or size. */
export type Identity =
  /** `rank` orders the ways one figure can arrive: its sources in the contract's order, then by refId alone. */
  | { kind: 'figure'; figure: FigureId; rank: number }
  /** A kvcanary series the panel does not show (an over-baseline ratio, a histogram bucket...). */
  | { kind: 'ignored' }
  | { kind: 'unplaced'; reason: string };

function matches(source: FigureSource, sample: Sample): boolean {
  return (
    source.series === sample.name &&
    Object.entries(source.where ?? {}).every(([label, value]) => sample.labels[label] === value)
  );
}

const sourcesOf = (figure: FigureId): readonly FigureSource[] => panelFigures[figure].sources;

function figureByName(sample: Sample): { figure: FigureId; rank: number } | null {
  for (const figure of FIGURE_IDS) {
    const rank = sourcesOf(figure).findIndex((source) => matches(source, sample));
    if (rank >= 0) {
      return { figure, rank };
    }
  }
  return null;
}

function figureByRefId(refId: string): FigureId | null {
  return FIGURE_IDS.find((figure) => panelFigures[figure].refId === refId) ?? null;
}

/** `name{quantile="0.95"}`: the name with the labels that chose the figure, as a user would query it. */
function describe(sample: Sample, figure: FigureId): string {
  const where = sourcesOf(figure).find((s) => matches(s, sample))?.where ?? {};
  const labels = Object.entries(where).map(([label, value]) => `${label}="${value}"`);
  return labels.length > 0 ? `${sample.name ?? ''}{${labels.join(',')}}` : (sample.name ?? '');
}

const REF_IDS = FIGURE_IDS.map((figure) => panelFigures[figure].refId).join(', ');

/**
 * A sample is a figure when its name is one of the figure's series (with the labels the figure needs),
 * or else when it has no kvcanary name and its refId is the figure's refId. A name and a refId that
 * disagree place it nowhere: showing either would be a guess.
 */
export function identify(sample: Sample): Identity {
  const claimed = figureByRefId(sample.refId);
  const named = sample.name === null ? null : figureByName(sample);
  if (named !== null) {
    if (claimed !== null && claimed !== named.figure) {
      const reason = `series ${describe(sample, named.figure)} is ${named.figure}, not ${claimed}; neither is shown`;
      return { kind: 'unplaced', reason };
    }
    return { kind: 'figure', ...named };
  }
  if (sample.name !== null && contractSeriesNames.has(sample.name)) {
    return claimed === null
      ? { kind: 'ignored' }
      : { kind: 'unplaced', reason: `series ${sample.name} is a kvcanary series but not ${claimed}` };
  }
  if (claimed !== null) {
    return { kind: 'figure', figure: claimed, rank: sourcesOf(claimed).length };
  }
  return {
    kind: 'unplaced',
    reason:
      sample.name === null
        ? `no __name__ and refId is not one of ${REF_IDS}`
        : `series ${sample.name} is not a kvcanary figure`,
  };
}
