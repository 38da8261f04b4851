import { render, screen, within } from '@testing-library/react';
import React from 'react';
import { BASELINE, CANDIDATE } from '../fixtures/figures';
import { allSeries, querySeries, QuerySeries, seriesFrames, tableFrames } from '../fixtures/frames';
import { panelProps } from '../fixtures/panel-props';
import { ComparisonOptions } from '../options';
import { ComparisonPanel } from './ComparisonPanel';

function renderPanel(
  data: Parameters<typeof panelProps>[0],
  options: Partial<ComparisonOptions> = {},
  width = 1200,
  variables: Record<string, string> = {}
) {
  return render(<ComparisonPanel {...panelProps(data, { options, width, variables })} />);
}

const cells = (row: HTMLElement) => within(row).getAllByRole('cell').map((c) => c.textContent);

describe('ComparisonPanel', () => {
  it('shows the headline side by side with the change, coloured by verdict', () => {
    renderPanel({ series: seriesFrames(allSeries()) });
    const table = screen.getByRole('table', { name: 'TTFT' });
    expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual([
      'TTFT',
      'vllm-round-robin',
      'llm-d-prefix-aware',
      'Change',
    ]);
    expect(cells(within(table).getByRole('row', { name: /^P95/ }))).toEqual(['745 ms', '272 ms', '64% faster']);
    expect(cells(within(table).getByRole('row', { name: /^Cache speedup/ }))).toEqual(['1.79×', '3.84×', '2.1× better']);
    expect(within(table).getByText('64% faster')).toHaveAttribute('data-verdict', 'better');
    const means = screen.getByRole('table', { name: 'Mean TTFT' });
    expect(cells(within(means).getByRole('row', { name: /^First turn/ }))).toEqual(['352 ms', '362 ms', '3% slower']);
    expect(within(means).getByText('3% slower')).toHaveAttribute('data-verdict', 'neutral');
  });

  it('resolves dashboard variables in the baseline and candidate options', () => {
    renderPanel({ series: seriesFrames(allSeries()) }, { baseline: '$baseline', candidate: '$candidate' }, 1200, {
      baseline: 'llm-d-prefix-aware',
      candidate: 'vllm-round-robin',
    });
    const table = screen.getByRole('table', { name: 'TTFT' });
    expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual([
      'TTFT',
      'llm-d-prefix-aware',
      'vllm-round-robin',
      'Change',
    ]);
  });

  it('draws a bar per turn and target, with the value in its tooltip', () => {
    renderPanel({ series: seriesFrames(allSeries()) });
    const chart = screen.getByRole('img', { name: 'TTFT by turn' });
    expect(chart.querySelectorAll('rect')).toHaveLength(20);
    expect(within(chart).getByText('Turn 10+, llm-d-prefix-aware: 96 ms')).toBeInTheDocument();
  });

  it('lists each replica with hit rate, KV usage, GPU, waiting (and the picker\'s view) and probes, and the freshness of each side', () => {
    renderPanel({ series: tableFrames(allSeries()) });
    const replicas = screen.getByRole('table', { name: 'Replicas of llm-d-prefix-aware' });
    expect(cells(within(replicas).getByRole('row', { name: /^llm-d-3/ }))).toEqual(['89%', '29%', '38%', '0 (picker 2)', '25']);
    const baseline = screen.getByRole('table', { name: 'Replicas of vllm-round-robin' });
    expect(cells(within(baseline).getByRole('row', { name: /^vllm-0/ }))).toEqual(['64%', '41%', '58%', '0', '27']);
    expect(screen.getByTestId('freshness-llm-d-prefix-aware')).toHaveTextContent('llm-d-prefix-aware: 110 requests (1 failed)');
    expect(screen.getByTestId('freshness-vllm-round-robin')).toHaveTextContent('vllm-round-robin: 110 requests');
  });

  it('follows the options: swapped sides, seconds, hidden sections', () => {
    renderPanel(
      { series: seriesFrames(allSeries()) },
      { baseline: 'llm-d-prefix-aware', candidate: 'vllm-round-robin', latencyUnit: 's', showReplicas: false, showTurns: false }
    );
    const table = screen.getByRole('table', { name: 'TTFT' });
    expect(cells(within(table).getByRole('row', { name: /^P95/ }))).toEqual(['0.27 s', '0.74 s', '174% slower']);
    expect(within(table).getByText('174% slower')).toHaveAttribute('data-verdict', 'worse');
    expect(screen.queryByRole('img', { name: 'TTFT by turn' })).not.toBeInTheDocument();
    expect(screen.queryByRole('region', { name: 'Replicas' })).not.toBeInTheDocument();
  });

  it('partial data: keeps the side it has and says which is missing', () => {
    renderPanel({ series: seriesFrames(querySeries(BASELINE)) });
    expect(screen.getByRole('alert')).toHaveTextContent('Only one target ("vllm-round-robin") has data');
    expect(cells(within(screen.getByRole('table', { name: 'TTFT' })).getByRole('row', { name: /^P99/ }))).toEqual([
      '841 ms',
      '–',
      '–',
    ]);
  });

  it('no data and errors: a message instead of empty tables', () => {
    const { unmount } = renderPanel({ series: [] });
    expect(screen.getByRole('status')).toHaveTextContent('No data: no kvcanary series with a "target" label');
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
    unmount();
    renderPanel({ series: [], errors: [{ refId: 'B', message: 'Bad Gateway' }] });
    expect(screen.getByRole('alert')).toHaveTextContent('Query B: Bad Gateway');
  });

  it('says which queries it cannot place and why, once per refId, beside the figures it can', () => {
    const unplaced: QuerySeries[] = [
      // A histogram_quantile() under a refId that is no figure's: no name, so nothing says which figure it is.
      { refId: 'B', name: null, labels: { target: BASELINE.name }, value: 0.25, legend: 'P95' },
      { refId: 'B', name: null, labels: { target: CANDIDATE.name }, value: 0.2, legend: 'P95' },
      { refId: 'G', name: 'DCGM_FI_DEV_GPU_UTIL', labels: { target: BASELINE.name, pod: 'vllm-0' }, value: 40, legend: 'GPU' },
    ];
    renderPanel({ series: [...seriesFrames(allSeries()), ...seriesFrames(unplaced)] });
    const alerts = screen.getAllByRole('alert').map((a) => a.textContent);
    expect(alerts).toEqual([
      expect.stringMatching(/^refId B: no __name__ and refId is not one of ttftP50, ttftP95, .* \(2 series not shown\)$/),
      'refId G: series DCGM_FI_DEV_GPU_UTIL is not a kvcanary figure',
    ]);
    expect(cells(within(screen.getByRole('table', { name: 'TTFT' })).getByRole('row', { name: /^P95/ }))).toEqual(['745 ms', '272 ms', '64% faster']);
  });
});
