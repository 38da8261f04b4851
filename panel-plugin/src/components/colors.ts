import { GrafanaTheme2 } from '@grafana/data';
import { Verdict } from '../model/view-model';

/** Baseline and candidate keep one colour each everywhere; neither is green or red, which mean better and worse. */
export function sideColors(theme: GrafanaTheme2): { baseline: string; candidate: string } {
  return {
    baseline: theme.visualization.getColorByName('orange'),
    candidate: theme.visualization.getColorByName('blue'),
  };
}

export function verdictColor(theme: GrafanaTheme2, verdict: Verdict): string {
  switch (verdict) {
    case 'better':
      return theme.colors.success.text;
    case 'worse':
      return theme.colors.error.text;
    default:
      return theme.colors.text.secondary;
  }
}
