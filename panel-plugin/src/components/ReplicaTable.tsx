import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import React from 'react';
import { formatCount, formatPercent } from '../model/format';
import { ReplicaView } from '../model/view-model';

interface Props {
  targetName: string;
  color: string;
  replicas: ReplicaView[];
  /** Narrow panels: percentages without bars. */
  compact: boolean;
}

function Meter({ ratio, color, label, bar }: { ratio: number | null; color: string; label: string; bar: boolean }) {
  const styles = useStyles2(getStyles);
  if (!bar) {
    return <span aria-label={`${label} ${formatPercent(ratio)}`}>{formatPercent(ratio)}</span>;
  }
  return (
    <div className={styles.meter} aria-label={`${label} ${formatPercent(ratio)}`}>
      <div className={styles.track}>
        {ratio !== null && <div className={styles.fill} style={{ width: `${Math.min(1, Math.max(0, ratio)) * 100}%`, background: color }} />}
      </div>
      <span className={styles.value}>{formatPercent(ratio)}</span>
    </div>
  );
}

/** One target's replicas, one row each, the same scale for all, so an imbalance shows at a glance. */
export function ReplicaTable({ targetName, color, replicas, compact }: Props) {
  const styles = useStyles2(getStyles);
  return (
    <table className={styles.table} aria-label={`Replicas of ${targetName}`}>
      <caption className={styles.caption}>
        <span className={styles.swatch} style={{ background: color }} />
        {targetName}
      </caption>
      <thead>
        <tr>
          <th scope="col">Replica</th>
          <th scope="col">KV hit</th>
          <th scope="col">KV usage</th>
          <th scope="col">GPU</th>
          <th scope="col" title="Requests waiting, as the replica reports; in brackets, as the endpoint picker last saw them">
            Waiting
          </th>
          <th scope="col" title="Probe requests this replica served">Probes</th>
        </tr>
      </thead>
      <tbody>
        {replicas.length === 0 && (
          <tr>
            <td colSpan={6} className={styles.none}>
              No replica figures
            </td>
          </tr>
        )}
        {replicas.map((r) => (
          <tr key={r.name} className={r.up === false ? styles.down : undefined}>
            <th scope="row" title={r.name}>
              {r.name}
              {r.up === false && ' (down)'}
            </th>
            <td>
              {r.prefixCache === 'disabled' ? (
                <span className={styles.off} title={r.prefixCacheNote ?? 'prefix caching is off on this replica'}>
                  off
                </span>
              ) : (
                <Meter ratio={r.hitRatio} color={color} label="KV-cache hit rate" bar={!compact} />
              )}
            </td>
            <td>
              <Meter ratio={r.kvUsage} color={color} label="KV-cache usage" bar={!compact} />
            </td>
            <td>
              <Meter ratio={r.gpuUtil} color={color} label="GPU utilisation" bar={!compact} />
            </td>
            <td className={styles.count}>
              {formatCount(r.waiting)}
              {r.schedulerQueue !== null && (
                <span className={styles.picker} title="As the endpoint picker last saw it">
                  {' '}
                  (picker {formatCount(r.schedulerQueue)})
                </span>
              )}
            </td>
            <td className={styles.count}>{formatCount(r.probeRequests)}</td>
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
    fontSize: theme.typography.bodySmall.fontSize,
    'th, td': { padding: theme.spacing(0.25, 0.75), borderBottom: `1px solid ${theme.colors.border.weak}`, whiteSpace: 'nowrap' },
    'thead th': { color: theme.colors.text.secondary, fontWeight: theme.typography.fontWeightMedium, textAlign: 'left' },
    'tbody th': {
      textAlign: 'left',
      fontWeight: theme.typography.fontWeightRegular,
      maxWidth: 140,
      overflow: 'hidden',
      textOverflow: 'ellipsis',
    },
  }),
  caption: css({
    textAlign: 'left',
    fontWeight: theme.typography.fontWeightMedium,
    padding: theme.spacing(0.5, 0.75),
    whiteSpace: 'nowrap',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
  }),
  swatch: css({ display: 'inline-block', width: 8, height: 8, borderRadius: 2, marginRight: theme.spacing(0.5) }),
  meter: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(0.5), minWidth: 64 }),
  track: css({ flex: 1, height: 6, minWidth: 24, borderRadius: 3, background: theme.colors.background.secondary, overflow: 'hidden' }),
  fill: css({ height: '100%' }),
  value: css({ width: 32, textAlign: 'right' }),
  count: css({ textAlign: 'right' }),
  none: css({ color: theme.colors.text.secondary }),
  off: css({ color: theme.colors.text.secondary }),
  picker: css({ color: theme.colors.text.secondary }),
  down: css({ color: theme.colors.error.text }),
});
