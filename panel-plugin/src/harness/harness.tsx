/**
 * Test harness (not shipped in the plugin): mounts the Grafana panel component with a Grafana theme, fed with the
 * frames of the overview dashboard's comparison queries (one per figure, refId = the figure's refId), inside a
 * panel-like frame. test/panel-browser.test.ts drives it with ?theme=dark|light&w=&h=&data=series|table|partial|empty|error|unplaced.
 */
import { css } from '@emotion/css';
import {
  createTheme,
  DataFrame,
  DataQueryError,
  dateTime,
  EventBusSrv,
  FieldConfigSource,
  LoadingState,
  PanelProps,
} from '@grafana/data';
import { ThemeContext } from '@grafana/ui';
import React from 'react';
import { createRoot } from 'react-dom/client';
import { ComparisonPanel } from '../components/ComparisonPanel';
import { BASELINE } from '../fixtures/figures';
import { allSeries, NOW, querySeries, seriesFrames, tableFrames } from '../fixtures/frames';
import { ComparisonOptions, DEFAULT_OPTIONS } from '../options';

const UNPLACED = { refId: 'B', name: null, labels: { target: BASELINE.name }, legend: 'P95' };

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
      // A query the panel cannot place (no name, and a refId that is no figure's) beside the dashboard's.
      return { series: [...seriesFrames(allSeries()), ...seriesFrames([{ ...UNPLACED, value: 0.25 }], { points: 'instant' })] };
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
const to = dateTime(NOW);
const from = dateTime(NOW - 3600_000);
const { series, errors } = dataFor(kind);
const fieldConfig: FieldConfigSource = { defaults: {}, overrides: [] };
const options: ComparisonOptions = { ...DEFAULT_OPTIONS };
const noop = () => undefined;

const props: PanelProps<ComparisonOptions> = {
  id: 1,
  title: 'Baseline vs candidate',
  data: { state: errors ? LoadingState.Error : LoadingState.Done, series, errors, timeRange: { from, to, raw: { from: 'now-1h', to: 'now' } } },
  timeRange: { from, to, raw: { from: 'now-1h', to: 'now' } },
  timeZone: 'utc',
  options,
  fieldConfig,
  transparent: false,
  width: width - 2 * PADDING - 2,
  height: height - TITLE_HEIGHT - 2 * PADDING - 2,
  renderCounter: 0,
  eventBus: new EventBusSrv(),
  replaceVariables: (s: string) => s,
  onOptionsChange: noop,
  onFieldConfigChange: noop,
  onChangeTimeRange: noop,
};

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
