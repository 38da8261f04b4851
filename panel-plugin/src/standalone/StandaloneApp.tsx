import { css } from '@emotion/css';
import { createTheme, GrafanaTheme2 } from '@grafana/data';
import { Button, ThemeContext, useStyles2 } from '@grafana/ui';
import React, { useEffect, useMemo, useState } from 'react';
import { defaultRuleConfig } from '@kvcanary/contract';
import { ComparisonView } from '../components/ComparisonView';
import { TrendChart } from '../components/TrendChart';
import { historyToTrends, parseHistory } from '../model/history';
import { parseSummary, summaryToViewModel } from '../model/summary';
import { DEFAULT_OPTIONS } from '../options';
import { usePolled } from './usePolled';
import { useWindowSize } from './useWindowSize';

type Mode = 'dark' | 'light';

const POLL_MS = 5000;
/** The exporter adds a history point a minute; polling faster would only redraw the same lines. */
const HISTORY_POLL_MS = 30_000;
const TREND_HEIGHT = 170;
const HEADER = 48;
const PAD = 16;

function initialMode(): Mode {
  const asked = new URLSearchParams(window.location.search).get('theme') ?? window.localStorage.getItem('kvcanary-theme');
  return asked === 'light' ? 'light' : 'dark';
}

/** The exporter's own page: the panel's view fed from /api/v1/summary, no Grafana server needed. */
export function StandaloneApp() {
  const [mode, setMode] = useState<Mode>(initialMode);
  const theme = useMemo(() => createTheme({ colors: { mode } }), [mode]);
  useEffect(() => {
    document.documentElement.style.background = document.body.style.background = theme.colors.background.canvas;
    document.body.style.color = theme.colors.text.primary;
    document.body.style.fontFamily = theme.typography.fontFamily;
    window.localStorage.setItem('kvcanary-theme', mode);
  }, [theme, mode]);
  const toggle = () => setMode((m) => (m === 'dark' ? 'light' : 'dark'));
  return (
    <ThemeContext.Provider value={theme}>
      <Page mode={mode} onToggle={toggle} />
    </ThemeContext.Provider>
  );
}

function Page({ mode, onToggle }: { mode: Mode; onToggle: () => void }) {
  const styles = useStyles2(getStyles);
  const { response, error } = usePolled('./api/v1/summary', POLL_MS, parseSummary, 'summary');
  const history = usePolled('./api/v1/history', HISTORY_POLL_MS, parseHistory, 'history');
  const trends = useMemo(() => historyToTrends({ response: history.response, error: history.error, rules: defaultRuleConfig }), [history]);
  const { width, height } = useWindowSize();
  const model = useMemo(() => summaryToViewModel({ response, error, options: DEFAULT_OPTIONS }), [response, error]);
  // Ages are shown relative to when the exporter made the summary, so they do not drift between polls.
  const generatedMs = response ? Date.parse(response.generatedAt) : 0;
  return (
    <div className={styles.page}>
      <header className={styles.header}>
        <h1 className={styles.title}>kvcanary · baseline vs candidate</h1>
        <span className={styles.meta} data-testid="window">
          {response
            ? `${response.windowSeconds} s window · workload ${response.workload} · updated ${new Date(generatedMs).toISOString().slice(11, 19)} UTC`
            : 'loading…'}
        </span>
        <Button size="sm" variant="secondary" fill="outline" onClick={onToggle} aria-label="Toggle light and dark theme">
          {mode === 'dark' ? 'Light theme' : 'Dark theme'}
        </Button>
      </header>
      <main className={styles.panel}>
        <ComparisonView
          model={model}
          options={DEFAULT_OPTIONS}
          width={Math.max(280, width - 4 * PAD)}
          height={Math.max(200, height - HEADER - 4 * PAD)}
          nowMs={generatedMs}
        />
      </main>
      <section className={styles.panel}>
        <TrendChart model={trends} width={Math.max(280, width - 4 * PAD)} chartHeight={TREND_HEIGHT} />
      </section>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ padding: PAD, display: 'flex', flexDirection: 'column', gap: PAD / 2 }),
  header: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(2), height: HEADER - PAD / 2 }),
  title: css({ fontSize: theme.typography.h4.fontSize, margin: 0, flex: '0 1 auto', whiteSpace: 'nowrap' }),
  meta: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize, flex: 1 }),
  panel: css({
    background: theme.colors.background.primary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    padding: PAD,
  }),
});
