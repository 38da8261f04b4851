import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';
import React from 'react';
import { formatFactor, formatInterval, formatLatency } from '../model/format';
import { ComparisonRow, Interval } from '../model/view-model';
import { ComparisonOptions } from '../options';
import { sideColors, verdictColor } from './colors';

interface Props {
  title: string;
  rows: ComparisonRow[];
  baselineName: string;
  candidateName: string;
  options: ComparisonOptions;
  /** Narrow panels: fixed column widths, long target names cut with an ellipsis (full name on hover). */
  compact: boolean;
}

/** Figure | baseline | candidate | change: the reference document's side-by-side table. */
export function ComparisonTable({ title, rows, baselineName, candidateName, options, compact }: Props) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const colors = sideColors(theme);
  const format = (row: ComparisonRow, value: number | null) =>
    row.kind === 'latency' ? formatLatency(value, options) : formatFactor(value);
  // The figure, and under it its 95% interval when the source has one (the summary API; never Grafana frames).
  const figure = (row: ComparisonRow, value: number | null, ci: Interval | null) => {
    const text = formatInterval(ci, row.kind, options);
    if (text === null) {
      return format(row, value);
    }
    return (
      <>
        <span className={styles.value}>{format(row, value)}</span>
        <span className={styles.interval} title="95% confidence interval">
          <span className={styles.srOnly}>95% confidence interval </span>
          <span>{text}</span>
        </span>
      </>
    );
  };
  return (
    <table className={compact ? `${styles.table} ${styles.compact}` : styles.table} aria-label={title}>
      {compact && (
        <colgroup>
          <col style={{ width: '31%' }} />
          <col style={{ width: '21%' }} />
          <col style={{ width: '21%' }} />
          <col style={{ width: '27%' }} />
        </colgroup>
      )}
      <thead>
        <tr>
          <th scope="col" className={styles.figure}>
            {title}
          </th>
          <th scope="col" title={baselineName}>
            <span className={styles.swatch} style={{ background: colors.baseline }} />
            {baselineName}
          </th>
          <th scope="col" title={candidateName}>
            <span className={styles.swatch} style={{ background: colors.candidate }} />
            {candidateName}
          </th>
          <th scope="col">Change</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.id} data-testid={`row-${row.id}`}>
            <th scope="row" className={styles.figure}>
              {row.label}
            </th>
            <td>{figure(row, row.baseline, row.baselineCi)}</td>
            <td>{figure(row, row.candidate, row.candidateCi)}</td>
            <td
              className={styles.change}
              style={{ color: row.improvement ? verdictColor(theme, row.improvement.verdict) : undefined }}
              data-verdict={row.improvement?.verdict}
              data-noise={row.improvement?.withinNoise ? 'true' : undefined}
            >
              {row.improvement?.withinNoise ? (
                <>
                  <span className={styles.value}>{row.improvement.text}</span>
                  <span className={styles.interval} title="The 95% confidence intervals overlap: this difference may be noise">
                    within noise
                  </span>
                </>
              ) : (
                row.improvement?.text ?? '–'
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  table: css({
    width: '100%',
    borderCollapse: 'collapse',
    fontVariantNumeric: 'tabular-nums',
    'th, td': {
      padding: theme.spacing(0.5, 1),
      textAlign: 'right',
      borderBottom: `1px solid ${theme.colors.border.weak}`,
      whiteSpace: 'nowrap',
    },
    'th:first-child': {
      textAlign: 'left',
    },
    'thead th': {
      color: theme.colors.text.secondary,
      fontWeight: theme.typography.fontWeightMedium,
      fontSize: theme.typography.bodySmall.fontSize,
      maxWidth: 160,
      overflow: 'hidden',
      textOverflow: 'ellipsis',
    },
  }),
  compact: css({
    tableLayout: 'fixed',
    fontSize: theme.typography.bodySmall.fontSize,
    'th, td': { padding: theme.spacing(0.5, 0.5), overflow: 'hidden', textOverflow: 'ellipsis' },
    'thead th': { maxWidth: 'none' },
  }),
  figure: css({
    fontWeight: theme.typography.fontWeightMedium,
  }),
  change: css({
    fontWeight: theme.typography.fontWeightBold,
  }),
  value: css({
    display: 'block',
  }),
  interval: css({
    display: 'block',
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    fontWeight: theme.typography.fontWeightRegular,
    lineHeight: 1.2,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
  }),
  srOnly: css({
    position: 'absolute',
    width: 1,
    height: 1,
    overflow: 'hidden',
    clip: 'rect(0 0 0 0)',
    whiteSpace: 'nowrap',
  }),
  swatch: css({
    display: 'inline-block',
    width: 8,
    height: 8,
    borderRadius: 2,
    marginRight: theme.spacing(0.5),
  }),
});
