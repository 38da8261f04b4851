import { render, screen, within } from '@testing-library/react';
import React from 'react';
import recorded from '../../fixtures/summary.json';
import { allSeries, seriesFrames } from '../fixtures/frames';
import { framesToViewModel } from '../model/frames';
import { parseSummary, summaryToViewModel } from '../model/summary';
import { DEFAULT_OPTIONS } from '../options';
import { ComparisonTable } from './ComparisonTable';

const response = parseSummary(recorded, 'fixtures/summary.json');

function renderHeadline(rows = summaryToViewModel({ response, options: DEFAULT_OPTIONS }).headline, options = DEFAULT_OPTIONS) {
  render(
    <ComparisonTable
      title="TTFT"
      rows={rows}
      baselineName="vllm-round-robin"
      candidateName="llm-d-prefix-aware"
      options={options}
      compact={false}
    />
  );
  return screen.getByRole('table', { name: 'TTFT' });
}

function cellsOf(table: HTMLElement, label: RegExp): { baseline: HTMLElement; candidate: HTMLElement; change: HTMLElement } {
  const [baseline, candidate, change] = within(within(table).getByRole('row', { name: label })).getAllByRole('cell');
  if (!baseline || !candidate || !change) {
    throw new Error(`row ${label} has fewer than three cells`);
  }
  return { baseline, candidate, change };
}

describe('ComparisonTable with 95% intervals (standalone page)', () => {
  it('shows each interval under its figure, with a tooltip saying what it is', () => {
    const table = renderHeadline();
    const { baseline, candidate } = cellsOf(table, /^P95/);
    expect(within(baseline).getByText('745 ms')).toBeInTheDocument();
    expect(within(baseline).getByText('[701–790]')).toBeInTheDocument();
    expect(within(candidate).getByText('[250–301]')).toBeInTheDocument();
    expect(within(baseline).getByTitle('95% confidence interval')).toHaveTextContent('95% confidence interval [701–790]');
    const speedup = cellsOf(table, /^Cache speedup/);
    expect(within(speedup.baseline).getByText('[1.66–1.93]')).toBeInTheDocument();
    expect(within(speedup.candidate).getByText('[3.51–4.12]')).toBeInTheDocument();
  });

  it('says the bounds in the unit the options ask for', () => {
    const options = { ...DEFAULT_OPTIONS, latencyUnit: 's' as const };
    const table = renderHeadline(summaryToViewModel({ response, options }).headline, options);
    expect(within(table).getByText('[0.70–0.79]')).toBeInTheDocument();
  });

  it('marks a change whose intervals overlap as within noise, in the neutral colour', () => {
    const table = renderHeadline();
    const p99Change = cellsOf(table, /^P99/).change;
    expect(p99Change).toHaveTextContent('20% fasterwithin noise');
    expect(p99Change).toHaveAttribute('data-verdict', 'neutral');
    expect(p99Change).toHaveAttribute('data-noise', 'true');
    const p95Change = cellsOf(table, /^P95/).change;
    expect(p95Change).toHaveTextContent(/^64% faster$/);
    expect(p95Change).toHaveAttribute('data-verdict', 'better');
    expect(within(table).getAllByText('within noise')).toHaveLength(1);
  });

  it('shows no intervals and no noise mark in the Grafana panel, whose frames have none', () => {
    const table = renderHeadline(framesToViewModel({ series: seriesFrames(allSeries()), options: DEFAULT_OPTIONS }).headline);
    expect(within(table).queryByTitle('95% confidence interval')).toBeNull();
    expect(within(table).queryByText('within noise')).toBeNull();
    expect(cellsOf(table, /^P99/).change).toHaveAttribute('data-verdict', 'better');
  });
});
