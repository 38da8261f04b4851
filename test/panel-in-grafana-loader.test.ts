/**
 * The plugin as Grafana loads it, on the oldest Grafana line plugin.json admits (10.4) and the newest (13.1):
 * - a real `kvcanary serve` (embedded simulated clusters) scraped by a real Prometheus running the generated
 *   rule file;
 * - the overview dashboard's own comparison-panel queries, variables replaced as Grafana does, run as instant
 *   queries at one evaluation time, and turned into what Grafana's Prometheus backend sends the browser
 *   (test/support/grafana-backend.ts, proved against Grafana's golden files by grafana-backend.test.ts);
 * - in Debian's Chromium, a page built from that line's npm packages (test/support/grafana-host.ts) loads
 *   panel-plugin/dist/module.js, unmodified, through SystemJS with Grafana's shared modules, makes frames with
 *   the line's `toDataQueryResponse` and `transformV2`, and renders `plugin.panel` with Grafana's PanelProps.
 * Every figure on screen must be the Prometheus value of that figure, queried on its own for one target and
 * formatted with the panel's own functions, in its row and its target's column. Screenshots go to
 * test-output/panel/grafana-<line>.png.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { FIGURE_IDS, SUCCESS, panelFigures, type FigureId } from '@kvcanary/contract';
import { launchBrowser, serveFolder, watchErrors, type Browser, type StaticServer } from './support/browser.js';
import { FAST_EMBEDDED_CONFIG, startServe, type RunningCli } from './support/cli.js';
import { dashboardRange, interpolate, labelValuesQuery, panelOfType, panelSize } from './support/dashboard-panel.js';
import { backendResponse, type BackendLine, type PrometheusAnswer } from './support/grafana-backend.js';
import { prepareHost, type GrafanaHost } from './support/grafana-host.js';
import { loadPanelModel, type PanelModel } from './support/panel-model.js';
import { startPrometheus, type RunningPrometheus, type VectorSample } from './support/prometheus.js';
import { findTool } from './support/tools.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const panelDir = join(repo, 'panel-plugin');
const shots = join(repo, 'test-output', 'panel');
const pluginJson = JSON.parse(readFileSync(join(panelDir, 'src', 'plugin.json'), 'utf8')) as { id: string; dependencies: { grafanaDependency: string } };
const panel = panelOfType(pluginJson.id);

/** The oldest line plugin.json admits and the newest; the backend of 12.1 and later adds calculatedMinStep. */
const LINES: Array<{ line: string; backend: BackendLine }> = [
  { line: '10.4', backend: { calculatedMinStep: false } },
  { line: '13.1', backend: { calculatedMinStep: true } },
];

/**
 * The query step Grafana sends for this dashboard: its Prometheus data source's default minimum interval
 * (15 s, pkg/promlib/models/query.go) wins over range / width for a 3 h range on any panel up to 720 points.
 * The evaluation time is a multiple of it, so an instant query lands at the same time whether or not it is aligned.
 */
const STEP_MS = 15_000;
/** A dashboard 1200 px wide, where the full-width comparison panel gets its grid size. */
const { width: WIDTH, height: HEIGHT } = panelSize(panel, 1200);

const chromiumPath = findTool('chromium', 'apt-get install chromium');
const prometheusPath = chromiumPath ? findTool('prometheus', 'apt-get install prometheus') : null;
const maybe = chromiumPath && prometheusPath ? describe : describe.skip;

/** Figures the embedded simulator always produces for both targets: the test waits for these before it looks. */
const AWAITED: FigureId[] = [
  'ttftP50', 'ttftP95', 'ttftP99', 'cacheSpeedup', 'ttftFirstTurn', 'ttftLaterTurns', 'ttftByTurn', 'ttftMean',
  'requests', 'promptTokens', 'targetUp', 'lastSuccess', 'replicaHitRatio', 'replicaKvUsage', 'replicaUp', 'replicaRunning', 'replicaWaiting', 'replicaProbeRequests',
];

type Side = 'baseline' | 'candidate';
type Answers = Record<FigureId, VectorSample[]>;

/** The panel's options as Grafana passes them: the plugin's defaults (module.ts, options.ts) under the dashboard's. */
const OPTIONS = { latencyUnit: 'ms' as const, betterThreshold: 5, worseThreshold: 5 };

async function queryAt(prom: RunningPrometheus, expr: string, timeS: number): Promise<PrometheusAnswer> {
  const res = await fetch(`${prom.url}/api/v1/query?${new URLSearchParams({ query: expr, time: String(timeS) })}`);
  return (await res.json()) as PrometheusAnswer;
}

/**
 * A figure's finite values: the panel shows no figure for a NaN (a per-turn mean over a window that holds
 * no request of that turn is 0/0), as panel-plugin/src/model/samples.ts reads frames.
 */
const samples = (answer: PrometheusAnswer): VectorSample[] =>
  (answer.data?.result ?? []).map((r) => ({ metric: r.metric, value: Number(r.value?.[1]) })).filter((s) => Number.isFinite(s.value));

/** What the screen should say, from each figure's own Prometheus answer for each target. */
function expectedScreen(model: PanelModel, names: Record<Side, string>, answers: Record<Side, Answers>, nowMs: number) {
  const one = (side: Side, figure: FigureId): number | null => {
    const found = answers[side][figure];
    if (found.length > 1) throw new Error(`${figure} of ${names[side]}: ${found.length} series`);
    return found[0]?.value ?? null;
  };
  const ms = (v: number | null): number | null => (v === null ? null : v * 1000);
  const lat = (v: number | null): string => model.formatLatency(v, OPTIONS);
  const change = (kind: 'latency' | 'ratio', b: number | null, c: number | null): string => model.improvement(kind, b, c, OPTIONS)?.text ?? '–';
  const latencyRow = (label: string, b: number | null, c: number | null): string[] => [label, lat(b), lat(c), change('latency', b, c)];
  const figureRow = (label: string, figure: FigureId): string[] => latencyRow(label, ms(one('baseline', figure)), ms(one('candidate', figure)));
  const header = (title: string): string[] => [title, names.baseline, names.candidate, 'Change'];
  const speedup = [one('baseline', 'cacheSpeedup'), one('candidate', 'cacheSpeedup')] as const;

  const outside = (side: Side): number | null => {
    const mean = ms(one(side, 'ttftMean'));
    const engine = ms(one(side, 'engineTtft'));
    return ms(one(side, 'ttftOutsideEngine')) ?? (mean !== null && engine !== null ? mean - engine : null);
  };
  const split = [
    figureRow('Canary (client)', 'ttftMean'),
    figureRow('In the engine', 'engineTtft'),
    figureRow('… of which queue', 'engineQueue'),
    figureRow('… of which prefill', 'enginePrefill'),
    latencyRow('Outside the engine', outside('baseline'), outside('candidate')),
  ].filter((row) => row[1] !== '–' || row[2] !== '–');

  // Counts from increase() are shown whole.
  const whole = (v: number | null): number | null => (v === null ? null : Math.round(v));
  const replicaRows = (side: Side): string[][] => {
    const of = (figure: FigureId, replica: string): number | null => answers[side][figure].find((s) => s.metric.replica === replica)?.value ?? null;
    const replicaFigures = FIGURE_IDS.filter((f) => panelFigures[f].scope === 'replica');
    const replicas = [...new Set(replicaFigures.flatMap((f) => answers[side][f].map((s) => s.metric.replica as string)))];
    replicas.sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    return replicas.map((r) => {
      const scheduler = of('replicaSchedulerQueue', r);
      return [
        `${r}${of('replicaUp', r) === 0 ? ' (down)' : ''}`,
        of('replicaPrefixCache', r) === 0 ? 'off' : model.formatPercent(of('replicaHitRatio', r)),
        model.formatPercent(of('replicaKvUsage', r)),
        model.formatPercent(of('replicaGpu', r)),
        `${model.formatCount(of('replicaWaiting', r))}${scheduler === null ? '' : ` (picker ${model.formatCount(scheduler)})`}`,
        model.formatCount(whole(of('replicaProbeRequests', r))),
      ];
    });
  };
  const freshness = (side: Side): string => {
    const outcomes = answers[side].requests;
    const total = outcomes.length > 0 ? Math.round(outcomes.reduce((sum, s) => sum + s.value, 0)) : null;
    const failed = Math.round(outcomes.filter((s) => s.metric.outcome !== SUCCESS).reduce((sum, s) => sum + s.value, 0));
    const lastSuccess = ms(one(side, 'lastSuccess'));
    const cached = model.formatCachedShare({ prompt: whole(one(side, 'promptTokens')), cached: whole(one(side, 'cachedPromptTokens')) });
    return [
      `${names[side]}: ${model.formatCount(total)} requests`,
      failed > 0 ? ` (${model.formatCount(failed)} failed)` : '',
      lastSuccess === null ? '' : ` · last success ${model.formatAge(lastSuccess, nowMs)}`,
      cached === null ? '' : ` · ${cached}`,
    ].join('');
  };
  const turnTitles = (['baseline', 'candidate'] as const).flatMap((side) =>
    answers[side].ttftByTurn.map((s) => `Turn ${s.metric.turn}, ${names[side]}: ${lat(s.value * 1000)}`),
  );

  return {
    tables: {
      TTFT: [
        header('TTFT'),
        figureRow('P50', 'ttftP50'),
        figureRow('P95', 'ttftP95'),
        figureRow('P99', 'ttftP99'),
        ['Cache speedup', model.formatFactor(speedup[0]), model.formatFactor(speedup[1]), change('ratio', speedup[0], speedup[1])],
      ],
      'Mean TTFT': [header('Mean TTFT'), figureRow('First turn', 'ttftFirstTurn'), figureRow('Later turns', 'ttftLaterTurns')],
      ...(split.some((row) => row[0] !== 'Canary (client)') ? { 'Where TTFT goes (mean)': [header('Where TTFT goes (mean)'), ...split] } : {}),
      [`Replicas of ${names.baseline}`]: replicaRows('baseline'),
      [`Replicas of ${names.candidate}`]: replicaRows('candidate'),
    } as Record<string, string[][]>,
    turnTitles: turnTitles.sort(),
    freshness: { [names.baseline]: freshness('baseline'), [names.candidate]: freshness('candidate') },
  };
}

/** What the panel shows, read from the DOM: every table row by row (replica tables without their header row). */
async function readScreen(page: Page, names: Record<Side, string>) {
  const tables: Record<string, string[][]> = {};
  const all = page.getByRole('table');
  for (let t = 0; t < (await all.count()); t++) {
    const table = all.nth(t);
    const label = (await table.getAttribute('aria-label')) ?? '';
    const rows = table.locator('tr');
    const read: string[][] = [];
    for (let r = 0; r < (await rows.count()); r++) read.push((await rows.nth(r).locator('th, td').allTextContents()).map((s) => s.trim()));
    tables[label] = label.startsWith('Replicas of ') ? read.slice(1) : read;
  }
  const turnTitles = (await page.getByRole('img', { name: 'TTFT by turn' }).locator('title').allTextContents()).sort();
  const freshness: Record<string, string> = {};
  for (const name of Object.values(names)) freshness[name] = ((await page.getByTestId(`freshness-${name}`).textContent()) ?? '').trim();
  return { tables, turnTitles, freshness };
}

maybe('the plugin as Grafana loads it, on its oldest and newest Grafana lines', () => {
  let dir: string;
  let exporter: RunningCli;
  let prom: RunningPrometheus;
  let browser: Browser;
  let model: PanelModel;
  let evalTimeS: number;
  let names: Record<Side, string>;
  let range: ReturnType<typeof dashboardRange>;
  /** The dashboard panel's answers at the evaluation time, by refId, and the targets as the frontend sends them. */
  const panelAnswers: Record<string, PrometheusAnswer> = {};
  let sentTargets: Array<Record<string, unknown>>;
  const figureAnswers = {} as Record<Side, Answers>;

  beforeAll(async () => {
    if (!existsSync(join(panelDir, 'dist', 'module.js'))) execFileSync('npm', ['run', 'build', '-w', 'panel-plugin'], { cwd: repo, stdio: 'inherit' });
    mkdirSync(shots, { recursive: true });
    model = await loadPanelModel();
    dir = mkdtempSync(join(tmpdir(), 'kvcanary-grafana-loader-'));
    writeFileSync(join(dir, 'kvcanary.yaml'), FAST_EMBEDDED_CONFIG);
    exporter = await startServe([`--config=${join(dir, 'kvcanary.yaml')}`, '--web.listen-address=127.0.0.1:0']);
    prom = await startPrometheus({
      binary: prometheusPath as string,
      targets: [{ job: 'kvcanary', address: new URL(exporter.url).host }],
      scrapeInterval: '1s',
      ruleFiles: [join(repo, 'monitoring', 'prometheus', 'kvcanary-rules.yml')],
    });

    // $baseline and $candidate: the first value (sorted, as the variables sort) of each label_values() query.
    const variable = async (name: string): Promise<string | undefined> => {
      const { selector, label } = labelValuesQuery(name);
      const values = await prom.api<string[]>(`/api/v1/label/${label}/values?${new URLSearchParams({ 'match[]': selector })}`);
      return values.sort()[0];
    };
    names = await prom.waitFor(async () => {
      const [baseline, candidate] = [await variable('baseline'), await variable('candidate')];
      return baseline && candidate ? { baseline, candidate } : undefined;
    }, 60_000);

    const figureQuery = (figure: FigureId, side: Side, at: number): Promise<PrometheusAnswer> => {
      const one = { baseline: names[side], candidate: names[side] };
      const expr = panel.targets.find((t) => t.refId === panelFigures[figure].refId)?.expr;
      if (!expr) throw new Error(`the dashboard panel has no query for ${figure}`);
      const { from, to } = dashboardRange(at * 1000);
      return queryAt(prom, interpolate(expr, one, to - from), at);
    };
    await prom.waitFor(async () => {
      const now = Math.floor(Date.now() / 1000);
      for (const side of ['baseline', 'candidate'] as const) {
        for (const figure of AWAITED) if (samples(await figureQuery(figure, side, now)).length === 0) throw new Error(`no ${figure} for ${names[side]} yet`);
      }
      return true;
    }, 240_000, 2000);

    // The next multiple of the step, once the rules have evaluated past it: every awaited figure exists there.
    evalTimeS = (Math.ceil(Date.now() / STEP_MS) * STEP_MS) / 1000;
    await new Promise((resolve) => setTimeout(resolve, evalTimeS * 1000 + 3000 - Date.now()));
    range = dashboardRange(evalTimeS * 1000);
    sentTargets = panel.targets.map((t) => ({ ...t, expr: interpolate(t.expr, names, range.to - range.from) }));
    for (const target of sentTargets) panelAnswers[target.refId as string] = await queryAt(prom, target.expr as string, evalTimeS);
    for (const side of ['baseline', 'candidate'] as const) {
      figureAnswers[side] = {} as Answers;
      for (const figure of FIGURE_IDS) figureAnswers[side][figure] = samples(await figureQuery(figure, side, evalTimeS));
    }
    browser = await launchBrowser(chromiumPath as string);
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await prom?.stop();
    await exporter?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe.each(LINES)('Grafana $line', ({ line, backend }) => {
    let host: GrafanaHost;
    let site: StaticServer;
    const results = (): Record<string, unknown> =>
      Object.fromEntries(
        sentTargets.map((t) => [t.refId, backendResponse({ expr: t.expr as string, legendFormat: t.legendFormat as string, stepMs: STEP_MS }, panelAnswers[t.refId as string] as PrometheusAnswer, backend)]),
      );

    beforeAll(async () => {
      host = await prepareHost(line, { id: pluginJson.id, dist: join(panelDir, 'dist') });
      process.stderr.write(
        `Grafana ${line}: ${JSON.stringify(host.versions)}; npm ci ${host.installMs === null ? 'skipped (lockfile installed)' : `${host.installMs} ms`}, ` +
          `bundle ${host.bundleMs} ms, ${(host.bundleBytes / 1e6).toFixed(1)} MB\n`,
      );
      site = await serveFolder(host.site);
    }, 900_000);

    afterAll(async () => {
      await site?.close();
    });

    const renderPanel = async (page: Page, query = ''): Promise<unknown> => {
      await page.setViewportSize({ width: WIDTH, height: HEIGHT });
      await page.goto(`${site.url}/${query}`);
      return page.evaluate(
        (request) => (globalThis as unknown as { kvcanaryGrafana: { render(r: unknown): Promise<unknown> } }).kvcanaryGrafana.render(request),
        {
          moduleUrl: host.modulePath,
          results: results(),
          targets: sentTargets,
          options: panel.options,
          fieldConfig: panel.fieldConfig,
          title: panel.title,
          variables: names,
          range,
          intervalMs: STEP_MS,
          theme: 'dark',
          width: WIDTH,
          height: HEIGHT,
        },
      );
    };

    it('loads module.js through SystemJS with the shared modules and shows every figure as Prometheus has it, in its place', async () => {
      const page = await browser.context.newPage();
      const errors = watchErrors(page);
      const rendered = (await renderPanel(page)) as { isPanelPlugin: boolean; frames: Array<{ refId?: string }> };
      expect(rendered.isPanelPlugin).toBe(true);
      // The line's toDataQueryResponse and transformV2 hand the panel one frame per series Prometheus returned
      // (one empty frame for none), each with its query's refId.
      const framesByRefId = (count: (refId: string) => number) => Object.fromEntries(sentTargets.map((t) => [t.refId, count(t.refId as string)]));
      expect(framesByRefId((refId) => rendered.frames.filter((f) => f.refId === refId).length)).toEqual(
        framesByRefId((refId) => Math.max(1, panelAnswers[refId]?.data?.result.length ?? 0)),
      );
      await page.locator('[data-state]').first().waitFor();
      await expect(page.locator('[data-state]').first().getAttribute('data-state')).resolves.toBe('ok');

      const screen = await readScreen(page, names);
      const expected = expectedScreen(model, names, figureAnswers, evalTimeS * 1000);
      expect(screen.tables).toEqual(expected.tables);
      expect(screen.turnTitles).toEqual(expected.turnTitles);
      expect(screen.freshness).toEqual(expected.freshness);
      // A result the panel could not place is listed as "refId <id>: ..."; none may be.
      expect((await page.getByRole('alert').allTextContents()).filter((t) => t.startsWith('refId'))).toEqual([]);
      await page.screenshot({ path: join(shots, `grafana-${line}.png`) });
      expect(errors).toEqual([]);
      await page.close();
    });

    it('refuses to load module.js when a shared module is missing, naming it', async () => {
      const page = await browser.context.newPage();
      await expect(renderPanel(page, '?withhold=@grafana/ui')).rejects.toThrow(/@grafana\/ui/);
      await page.close();
    });
  });
});
