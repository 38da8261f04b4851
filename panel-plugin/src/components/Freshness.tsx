import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import React from 'react';
import { formatAge, formatCachedShare, formatCount } from '../model/format';
import { TargetFigures } from '../model/view-model';

interface Props {
  sides: Array<{ target: TargetFigures; color: string }>;
  nowMs: number;
}

/** How many probe requests each side's figures rest on, how many failed, how old the last success is, and what was cached. */
export function Freshness({ sides, nowMs }: Props) {
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.row} aria-label="Freshness">
      {sides.map(({ target, color }) => (
        <span key={target.name} className={styles.item} data-testid={`freshness-${target.name}`}>
          <span className={styles.swatch} style={{ background: color }} />
          <strong>{target.name}</strong>: {formatCount(target.requests)} requests
          {target.failedRequests !== null && target.failedRequests > 0 && (
            <span className={styles.failed}> ({formatCount(target.failedRequests)} failed)</span>
          )}
          {target.lastSuccessMs !== null && <span> · last success {formatAge(target.lastSuccessMs, nowMs)}</span>}
          {formatCachedShare(target.tokens) !== null && <span> · {formatCachedShare(target.tokens)}</span>}
        </span>
      ))}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  row: css({
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(0.5, 2),
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
  }),
  item: css({ whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis', maxWidth: '100%' }),
  swatch: css({ display: 'inline-block', width: 8, height: 8, borderRadius: 2, marginRight: theme.spacing(0.5) }),
  failed: css({ color: theme.colors.error.text }),
});
