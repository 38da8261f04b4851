import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';
import React from 'react';
import { formatLatency } from '../model/format';
import { TurnRow } from '../model/view-model';
import { ComparisonOptions } from '../options';
import { sideColors } from './colors';

interface Props {
  turns: TurnRow[];
  baselineName: string;
  candidateName: string;
  options: ComparisonOptions;
  width: number;
  height: number;
}

const MARGIN = { top: 8, right: 8, bottom: 22, left: 52 };

/** An axis from 0 to the first round number (1, 2, 2.5 or 5 times a power of ten) at or above `value`, with round ticks. */
export function niceAxis(value: number): { max: number; ticks: number[] } {
  if (!(value > 0)) {
    return { max: 1, ticks: [0, 0.5, 1] };
  }
  const power = 10 ** Math.floor(Math.log10(value));
  const [mantissa, intervals] = ([[1, 5], [2, 4], [2.5, 5], [5, 5], [10, 5]] as const).find(([m]) => m * power >= value) ?? [10, 5];
  const max = mantissa * power;
  return { max, ticks: Array.from({ length: intervals + 1 }, (_, i) => (max * i) / intervals) };
}

/** Grouped bars: mean TTFT of each turn, baseline beside candidate. Plain SVG, so it sizes to any panel. */
export function TurnChart({ turns, baselineName, candidateName, options, width, height }: Props) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const colors = sideColors(theme);
  const innerW = Math.max(10, width - MARGIN.left - MARGIN.right);
  const innerH = Math.max(10, height - MARGIN.top - MARGIN.bottom);
  const { max, ticks } = niceAxis(Math.max(0, ...turns.flatMap((t) => [t.baselineMs ?? 0, t.candidateMs ?? 0])));
  const band = innerW / Math.max(1, turns.length);
  const bar = Math.max(1, Math.min(18, (band * 0.7) / 2));
  const y = (ms: number) => MARGIN.top + innerH - (ms / max) * innerH;
  const tickOptions = { ...options, decimals: options.latencyUnit === 's' ? 2 : 0 };
  // Every label fits when there is room; otherwise every second one.
  const labelEvery = band >= 22 ? 1 : 2;

  return (
    <figure className={styles.figure}>
      <figcaption className={styles.legend}>
        <span>TTFT by turn (mean)</span>
        <span>
          <span className={styles.swatch} style={{ background: colors.baseline }} />
          {baselineName}
        </span>
        <span>
          <span className={styles.swatch} style={{ background: colors.candidate }} />
          {candidateName}
        </span>
      </figcaption>
      <svg width={width} height={height} role="img" aria-label="TTFT by turn">
        {ticks.map((tick) => (
          <g key={tick}>
            <line x1={MARGIN.left} x2={MARGIN.left + innerW} y1={y(tick)} y2={y(tick)} stroke={theme.colors.border.weak} />
            <text x={MARGIN.left - 6} y={y(tick)} dy="0.32em" textAnchor="end" className={styles.axis}>
              {formatLatency(tick, tickOptions)}
            </text>
          </g>
        ))}
        {turns.map((t, i) => {
          const x = MARGIN.left + i * band + band / 2;
          return (
            <g key={t.turn} data-testid={`turn-${t.turn}`}>
              {t.baselineMs !== null && (
                <rect x={x - bar} y={y(t.baselineMs)} width={bar} height={y(0) - y(t.baselineMs)} fill={colors.baseline}>
                  <title>{`Turn ${t.turn}, ${baselineName}: ${formatLatency(t.baselineMs, options)}`}</title>
                </rect>
              )}
              {t.candidateMs !== null && (
                <rect x={x} y={y(t.candidateMs)} width={bar} height={y(0) - y(t.candidateMs)} fill={colors.candidate}>
                  <title>{`Turn ${t.turn}, ${candidateName}: ${formatLatency(t.candidateMs, options)}`}</title>
                </rect>
              )}
              {i % labelEvery === 0 && (
                <text x={x} y={MARGIN.top + innerH + 15} textAnchor="middle" className={styles.axis}>
                  {t.turn}
                </text>
              )}
            </g>
          );
        })}
      </svg>
    </figure>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  figure: css({ margin: 0 }),
  legend: css({
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(0, 1.5),
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
    marginBottom: theme.spacing(0.5),
    '& > span:first-child': { color: theme.colors.text.primary, fontWeight: theme.typography.fontWeightMedium },
  }),
  swatch: css({ display: 'inline-block', width: 8, height: 8, borderRadius: 2, marginRight: theme.spacing(0.5) }),
  axis: css({ fill: theme.colors.text.secondary, fontSize: 11 }),
});
