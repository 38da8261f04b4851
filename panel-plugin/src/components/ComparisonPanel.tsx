import { PanelProps } from '@grafana/data';
import React, { useMemo } from 'react';
import { framesToViewModel } from '../model/frames';
import { ComparisonOptions } from '../options';
import { ComparisonView } from './ComparisonView';

type Props = PanelProps<ComparisonOptions>;

/** The Grafana panel: frames -> view model (pure, memoised) -> view. */
export function ComparisonPanel({ data, options, width, height, replaceVariables }: Props) {
  // Dashboards pass `$baseline` / `$candidate`: the chosen values of their variables, resolved here.
  const resolved = useMemo(
    () => ({ ...options, baseline: replaceVariables(options.baseline), candidate: replaceVariables(options.candidate) }),
    [options, replaceVariables]
  );
  const model = useMemo(
    () => framesToViewModel({ series: data.series, errors: data.errors ?? (data.error ? [data.error] : []), options: resolved }),
    [data.series, data.errors, data.error, resolved]
  );
  return <ComparisonView model={model} options={resolved} width={width} height={height} nowMs={data.timeRange.to.valueOf()} />;
}
