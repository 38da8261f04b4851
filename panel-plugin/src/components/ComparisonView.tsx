import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';
import React from 'react';
import { TargetFigures, ViewModel } from '../model/view-model';
import { ComparisonOptions } from '../options';
import { sideColors } from './colors';
import { ComparisonTable } from './ComparisonTable';
import { Freshness } from './Freshness';
import { Messages } from './Messages';
import { ReplicaTable } from './ReplicaTable';
import { TurnChart } from './TurnChart';

export interface ComparisonViewProps {
  model: ViewModel;
  options: ComparisonOptions;
  width: number;
  height: number;
  /** Injected so renders (and screenshots) do not depend on the wall clock. */
  nowMs: number;
}

/** From this width the view uses two columns: tables on the left, the chart on the right. */
const WIDE = 860;
const GAP = 16;
/** Below this width the tables switch to fixed, narrower columns. */
const COMPACT = 560;

/** Renders the view model; it holds no data logic. Used by the Grafana panel and the standalone page alike. */
export function ComparisonView({ model, options, width, height, nowMs }: ComparisonViewProps) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const colors = sideColors(theme);
  const { baseline, candidate } = model;

  if (baseline === null && candidate === null) {
    return (
      <div className={styles.empty} style={{ width, height }} data-state={model.state}>
        <Messages messages={model.messages} />
      </div>
    );
  }

  const baselineName = baseline?.name ?? 'baseline';
  const candidateName = candidate?.name ?? 'candidate';
  const wide = width >= WIDE;
  const compact = width < COMPACT;
  const columnWidth = wide ? Math.floor((width - GAP) / 2) : width;
  const chartHeight = wide ? Math.max(140, Math.min(260, height * 0.42)) : 150;
  const sides = [
    baseline && { target: baseline, color: colors.baseline },
    candidate && { target: candidate, color: colors.candidate },
  ].filter((s): s is { target: TargetFigures; color: string } => Boolean(s));

  const table = (title: string, rows: ViewModel['headline']) => (
    <ComparisonTable title={title} rows={rows} baselineName={baselineName} candidateName={candidateName} options={options} compact={compact} />
  );
  const headline = options.showHeadline && table('TTFT', model.headline);
  const firstLater = options.showFirstLater && table('Mean TTFT', model.firstLater);
  const split = options.showTtftSplit && model.ttftSplit.length > 0 && table('Where TTFT goes (mean)', model.ttftSplit);
  const turns = options.showTurns && model.turns.length > 0 && (
    <TurnChart
      turns={model.turns}
      baselineName={baselineName}
      candidateName={candidateName}
      options={options}
      width={columnWidth - 8}
      height={chartHeight}
    />
  );
  const replicas = options.showReplicas && sides.some((s) => s.target.replicas.length > 0) && (
    <section className={styles.replicas} aria-label="Replicas">
      {sides.map((s) => (
        <ReplicaTable
          key={s.target.name}
          targetName={s.target.name}
          color={s.color}
          replicas={s.target.replicas}
          compact={compact}
        />
      ))}
    </section>
  );
  const freshness = options.showFreshness && <Freshness sides={sides} nowMs={nowMs} />;

  return (
    <div className={styles.root} style={{ width, maxHeight: height }} data-state={model.state}>
      <Messages messages={model.messages} />
      {wide ? (
        <div className={styles.columns}>
          <div className={styles.stack}>
            {headline}
            {firstLater}
          </div>
          <div className={styles.stack}>
            {turns}
            {split}
          </div>
        </div>
      ) : (
        <>
          {headline}
          {turns}
          {firstLater}
          {split}
        </>
      )}
      {replicas}
      {freshness}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  root: css({
    boxSizing: 'border-box',
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1.5),
    overflow: 'auto',
    color: theme.colors.text.primary,
    fontSize: theme.typography.body.fontSize,
  }),
  columns: css({ display: 'grid', gridTemplateColumns: '1fr 1fr', gap: GAP, alignItems: 'start' }),
  stack: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1.5), minWidth: 0 }),
  replicas: css({
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fit, minmax(min(100%, 340px), 1fr))',
    gap: theme.spacing(1, 2),
  }),
  empty: css({ boxSizing: 'border-box', display: 'flex', alignItems: 'center', justifyContent: 'center', padding: theme.spacing(1) }),
});
