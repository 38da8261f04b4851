import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import React from 'react';
import { Message } from '../model/view-model';

/**
 * The panel's notes on missing, partial or failed data. Plain boxes rather than @grafana/ui's Alert, whose
 * icons are fetched from Grafana's server and would fail on the standalone page.
 */
export function Messages({ messages }: { messages: Message[] }) {
  const styles = useStyles2(getStyles);
  if (messages.length === 0) {
    return null;
  }
  return (
    <ul className={styles.list}>
      {messages.map((m, i) => (
        <li key={i} className={styles[m.severity]} role={m.severity === 'info' ? 'status' : 'alert'}>
          {m.text}
        </li>
      ))}
    </ul>
  );
}

const getStyles = (theme: GrafanaTheme2) => {
  const box = (border: string, background: string) =>
    css({
      padding: theme.spacing(0.5, 1),
      borderLeft: `3px solid ${border}`,
      background,
      borderRadius: theme.shape.radius.default,
      color: theme.colors.text.primary,
    });
  return {
    list: css({ listStyle: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column', gap: theme.spacing(0.5) }),
    info: box(theme.colors.info.border, theme.colors.info.transparent),
    warning: box(theme.colors.warning.border, theme.colors.warning.transparent),
    error: box(theme.colors.error.border, theme.colors.error.transparent),
  };
};
