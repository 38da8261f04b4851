/**
 * Test harness (not shipped in the plugin): mounts the Grafana panel component with a Grafana theme, fed with the
 * frames of the overview dashboard's comparison queries (one per figure, refId = the figure's refId), inside a
 * panel-like frame. test/panel-browser.test.ts drives it with ?theme=dark|light&w=&h=&data=series|table|partial|empty|error|unplaced.
 */
import { css } from '@emotion/css';
import { createTheme, DataFrame, DataQueryError } from '@grafana/data';
import { ThemeContext } from '@grafana/ui';
import React from 'react';
import { createRoot } from 'react-dom/client';
import { ComparisonPanel } from '../components/ComparisonPanel';
import { BASELINE } from '../fixtures/figures';
import { allSeries, querySeries, QuerySeries, seriesFrames, tableFrames } from '../fixtures/frames';
import { panelProps } from '../fixtures/panel-props';

/** A query the panel cannot place: no name, and a refId that is no figure's. */
const UNPLACED: QuerySeries = { refId: 'B', name: null, labels: { target: BASELINE.name }, value: 0.25, legend: 'P95' };

const params = new URLSearchParams(window.location.search);
const mode = params.get('theme') === 'light' ? 'light' : 'dark';
const width = Number(params.get('w') ?? 1200);
const height = Number(params.get('h') ?? 600);
const kind = params.get('data') ?? 'series';

function dataFor(which: string): { series: DataFrame[]; errors?: DataQueryError[] } {
  switch (which) {
    case 'table':
      return { series: tableFrames(allSeries()) };
    case 'partial':
      return { series: seriesFrames(querySeries(BASELINE)) };
    case 'unplaced':
      return { series: [...seriesFrames(allSeries()), ...seriesFrames([UNPLACED], { points: 'instant' })] };
    case 'empty':
      return { series: [] };
    case 'error':
      return { series: [], errors: [{ refId: 'A', message: 'bad_data: 1:15: parse error: unexpected "}"' }] };
    default:
      return { series: seriesFrames(allSeries()) };
  }
}

const theme = createTheme({ colors: { mode } });
const TITLE_HEIGHT = 32;
const PADDING = 8;
const props = panelProps(dataFor(kind), { width: width - 2 * PADDING - 2, height: height - TITLE_HEIGHT - 2 * PADDING - 2 });

document.body.style.margin = '0';
document.body.style.background = theme.colors.background.canvas;
document.body.style.fontFamily = theme.typography.fontFamily;
document.body.style.fontSize = `${theme.typography.fontSize}px`;

const chrome = css({
  width,
  height,
  boxSizing: 'border-box',
  background: theme.colors.background.primary,
  border: `1px solid ${theme.colors.border.weak}`,
  borderRadius: theme.shape.radius.default,
  color: theme.colors.text.primary,
});
const title = css({
  height: TITLE_HEIGHT,
  lineHeight: `${TITLE_HEIGHT}px`,
  padding: `0 ${PADDING}px`,
  fontWeight: theme.typography.fontWeightMedium,
});

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <ThemeContext.Provider value={theme}>
      <div className={chrome} data-testid="panel-chrome">
        <div className={title}>{props.title}</div>
        <div style={{ padding: PADDING }}>
          <ComparisonPanel {...props} />
        </div>
      </div>
    </ThemeContext.Provider>
  );
}
