import { FIGURE_IDS, panelFigures, type PanelFigure } from '@kvcanary/contract';
import { readFileSync } from 'fs';
import path from 'path';

const readme = readFileSync(path.join(__dirname, 'README.md'), 'utf8');

describe("the README's table of queries", () => {
  it.each(FIGURE_IDS)('lists %s with its refId, unit and every series it is recognised by', (id) => {
    const figure: PanelFigure = panelFigures[id];
    const row = readme.split('\n').find((line) => line.startsWith(`| \`${figure.refId}\` |`));
    expect(row).toContain(`| ${figure.unit} |`);
    for (const source of figure.sources) {
      const where = Object.entries(source.where ?? {}).map(([label, value]) => `${label}="${value}"`);
      expect(row).toContain(`\`${source.series}${where.length > 0 ? `{${where.join(',')}}` : ''}\``);
    }
  });
});
