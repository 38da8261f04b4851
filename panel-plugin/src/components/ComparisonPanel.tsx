import { PanelProps } from '@grafana/data';
import React, { useMemo } from 'react';
import { framesToViewModel } from '../model/frames';
import { ComparisonOptions } from '../options';
import { ComparisonView } from './ComparisonView';

type Props = PanelProps<ComparisonOptions>;

/** The Grafana panel: frames -> view model (pure, memoised) -> view. */
export function ComparisonPanel({ data, options, width, height }: Props) {
  const model = useMemo(
    () => framesToViewModel({ series: data.series, errors: data.errors ?? (data.error ? [data.error] : []), options }),
    [data.series, data.errors, data.error, options]
  );
  return <ComparisonView model={model} options={options} width={width} height={height} nowMs={data.timeRange.to.valueOf()} />;
}
