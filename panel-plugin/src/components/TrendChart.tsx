import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';
import React from 'react';
import { TrendChartModel, TrendFigure, TrendModel } from '../model/history';
import { niceAxis } from './TurnChart';

interface Props {
  model: TrendModel;
  width: number;
  /** Height of each of the three charts. */
  chartHeight: number;
}

const MARGIN = { top: 8, right: 12, bottom: 22, left: 56 };
/** Quantiles of one target share its colour and differ by stroke, so P95 stands out as the solid line. */
const DASH: Record<TrendFigure, string | undefined> = { p50: '2 3', p95: undefined, p99: '6 3', cacheSpeedup: undefined, errorRatio: undefined };
const PALETTE = ['orange', 'blue', 'green', 'purple', 'yellow', 'red'];

function formatValue(value: number, unit: TrendChartModel['unit']): string {
  if (unit === 'ms') {
    return `${Math.round(value)} ms`;
  }
  if (unit === 'x') {
    return `${Number(value.toFixed(1))}×`;
  }
  return `${Number(value.toFixed(1))}%`;
}

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

/** Trend lines of the exporter's window figures, one chart per figure, the alert thresholds dashed and the stretches where a rule's condition held shaded. */
export function TrendChart({ model, width, chartHeight }: Props) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  if (model.message !== undefined) {
    return <div className={styles.message}>{model.message}</div>;
  }
  const colorOf = (target: string) => theme.visualization.getColorByName(PALETTE[model.targets.indexOf(target) % PALETTE.length] ?? 'blue');
  const innerW = Math.max(10, width - MARGIN.left - MARGIN.right);
  const innerH = Math.max(10, chartHeight - MARGIN.top - MARGIN.bottom);
  const span = Math.max(1, model.end - model.start);
  const x = (at: number) => MARGIN.left + ((at - model.start) / span) * innerW;
  const timeTicks = Array.from({ length: 5 }, (_, i) => model.start + (span * i) / 4);

  return (
    <section className={styles.section} aria-label="Trends">
      <div className={styles.legend}>
        <span>
          Window figures over time, {clock(model.start)}–{clock(model.end)} UTC
        </span>
        {model.targets.map((t) => (
          <span key={t}>
            <span className={styles.swatch} style={{ background: colorOf(t) }} />
            {t}
          </span>
        ))}
        <span>P50 dotted · P95 solid · P99 dashed · shaded: an alert condition held (darker: for its whole hold)</span>
      </div>
      {model.charts.map((chart) => {
        const { max, ticks } = niceAxis(chart.max * 1.05);
        const y = (v: number) => MARGIN.top + innerH - (Math.min(v, max) / max) * innerH;
        return (
          <figure key={chart.id} className={styles.figure}>
            <figcaption className={styles.caption}>{chart.title}</figcaption>
            <svg width={width} height={chartHeight} role="img" aria-label={`${chart.title} trend`} data-testid={`trend-${chart.id}`}>
              {ticks.map((tick) => (
                <g key={tick}>
                  <line x1={MARGIN.left} x2={MARGIN.left + innerW} y1={y(tick)} y2={y(tick)} stroke={theme.colors.border.weak} />
                  <text x={MARGIN.left - 6} y={y(tick)} dy="0.32em" textAnchor="end" className={styles.axis}>
                    {formatValue(tick, chart.unit)}
                  </text>
                </g>
              ))}
              {timeTicks.map((at, i) => (
                <text key={at} x={x(at)} y={chartHeight - 6} textAnchor={i === 0 ? 'start' : i === timeTicks.length - 1 ? 'end' : 'middle'} className={styles.axis}>
                  {clock(at)}
                </text>
              ))}
              {chart.spans.map((s) => (
                <rect
                  key={`${s.target}-${s.alert}-${s.from}`}
                  data-alert={s.alert}
                  data-firing={s.firing}
                  x={x(s.from)}
                  width={Math.max(2, x(s.to) - x(s.from))}
                  y={MARGIN.top}
                  height={innerH}
                  fill={theme.colors.error.main}
                  opacity={s.firing ? 0.28 : 0.12}
                >
                  <title>{`${s.alert} condition held for ${s.target}, ${clock(s.from)}–${clock(s.to)} UTC${s.firing ? ' (long enough to fire)' : ''}`}</title>
                </rect>
              ))}
              {chart.thresholds.map((t) => (
                <g key={t.label} data-threshold={t.value}>
                  <line x1={MARGIN.left} x2={MARGIN.left + innerW} y1={y(t.value)} y2={y(t.value)} stroke={theme.colors.error.text} strokeDasharray="4 4" />
                  <text x={MARGIN.left + innerW - 4} y={y(t.value) - 4} textAnchor="end" className={styles.threshold}>
                    {t.label}
                  </text>
                </g>
              ))}
              {chart.lines.flatMap((line) =>
                line.segments.map((seg, i) => (
                  <polyline
                    key={`${line.target}-${line.figure}-${i}`}
                    data-target={line.target}
                    data-figure={line.figure}
                    points={seg.map((p) => `${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ')}
                    fill="none"
                    stroke={colorOf(line.target)}
                    strokeWidth={line.figure === 'p95' || line.figure === 'cacheSpeedup' || line.figure === 'errorRatio' ? 2 : 1.25}
                    strokeDasharray={DASH[line.figure]}
                  />
                ))
              )}
            </svg>
          </figure>
        );
      })}
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  section: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1) }),
  legend: css({ display: 'flex', flexWrap: 'wrap', gap: theme.spacing(2), fontSize: theme.typography.bodySmall.fontSize, color: theme.colors.text.secondary }),
  swatch: css({ display: 'inline-block', width: 10, height: 10, borderRadius: 2, marginRight: 4 }),
  figure: css({ margin: 0 }),
  caption: css({ fontSize: theme.typography.bodySmall.fontSize, color: theme.colors.text.primary, fontWeight: theme.typography.fontWeightMedium }),
  axis: css({ fill: theme.colors.text.secondary, fontSize: 10 }),
  threshold: css({ fill: theme.colors.error.text, fontSize: 10 }),
  message: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
});
