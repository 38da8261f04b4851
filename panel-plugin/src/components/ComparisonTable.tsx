import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';
import React from 'react';
import { formatFactor, formatLatency } from '../model/format';
import { ComparisonRow } from '../model/view-model';
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
            <td>{format(row, row.baseline)}</td>
            <td>{format(row, row.candidate)}</td>
            <td
              className={styles.change}
              style={{ color: row.improvement ? verdictColor(theme, row.improvement.verdict) : undefined }}
              data-verdict={row.improvement?.verdict}
            >
              {row.improvement?.text ?? '–'}
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
  swatch: css({
    display: 'inline-block',
    width: 8,
    height: 8,
    borderRadius: 2,
    marginRight: theme.spacing(0.5),
  }),
});
