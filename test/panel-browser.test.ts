/**
 * The comparison view in a real browser (Debian's Chromium via playwright-core):
 * - the standalone page, as the exporter serves it, reading a recorded /api/v1/summary (and refusing a
 *   body that does not match the contract's schema);
 * - the Grafana panel component mounted with a Grafana theme, fed with the frames of the overview
 *   dashboard's queries (one per contract figure, refId = the figure's refId), dark and light, at 400x300
 *   and 1200x600, and in its no-data, partial, error and unplaced-query states.
 * Fails on console errors or missing figures; screenshots go to test-output/panel/.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { launchBrowser, serveFolder, watchErrors, type Browser, type StaticServer } from './support/browser.js';
import { findTool } from './support/tools.js';
import { FIGURE_IDS, panelFigures } from '@kvcanary/contract';
import { historyResponseSchema, summaryResponseSchema } from '@kvcanary/contract/schemas';

const repo = fileURLToPath(new URL('..', import.meta.url));
const panelDir = path.join(repo, 'panel-plugin');
const standaloneDir = path.join(panelDir, 'dist-standalone');
const harnessDir = path.join(panelDir, 'dist-harness');
const shots = path.join(repo, 'test-output', 'panel');
const readSummary = (file: string) =>
  summaryResponseSchema.parse(JSON.parse(readFileSync(path.join(panelDir, 'fixtures', file), 'utf8')));
const summary = readSummary('summary.json');
/** Recorded from a real `kvcanary serve` of the embedded clusters, llm-d's router switched to random after 8 minutes. */
const history = historyResponseSchema.parse(JSON.parse(readFileSync(path.join(panelDir, 'fixtures', 'history-recorded.json'), 'utf8')));

const chromiumPath = findTool('chromium', 'apt-get install chromium');
const maybe = chromiumPath ? describe : describe.skip;

/** The headline figures of the recorded window, as the view prints them. */
const HEADLINE = ['123 ms', '745 ms', '841 ms', '92 ms', '272 ms', '674 ms', '1.79×', '3.84×', '64% faster', '2.1× better'];

async function expectVisible(page: Page, texts: string[]): Promise<void> {
  const missing: string[] = [];
  for (const text of texts) {
    if (!(await page.getByText(text, { exact: true }).first().isVisible())) {
      missing.push(text);
    }
  }
  expect(missing).toEqual([]);
}

maybe('comparison view in Chromium', () => {
  let browser: Browser;
  let standalone: StaticServer;
  let harness: StaticServer;

  beforeAll(async () => {
    if (!existsSync(path.join(standaloneDir, 'index.html')) || !existsSync(path.join(harnessDir, 'index.html'))) {
      execFileSync('npm', ['run', 'build', '-w', 'panel-plugin'], { cwd: repo, stdio: 'inherit' });
    }
    mkdirSync(shots, { recursive: true });
    browser = await launchBrowser(chromiumPath as string);
    standalone = await serveFolder(standaloneDir, { '/api/v1/summary': summary, '/api/v1/history': history });
    harness = await serveFolder(harnessDir);
  });

  afterAll(async () => {
    await browser?.close();
    await standalone?.close();
    await harness?.close();
  });

  it('standalone page: reads /api/v1/summary and shows every figure, dark then light', async () => {
    const page = await browser.context.newPage();
    const errors = watchErrors(page);
    await page.setViewportSize({ width: 1280, height: 760 });
    await page.goto(`${standalone.url}/`);
    await page.getByRole('table', { name: 'TTFT', exact: true }).waitFor();
    await expectVisible(page, [
      ...HEADLINE,
      '52% faster',
      'vllm-3',
      'llm-d-3',
      '300 s window · workload afb07b33dfb3 · updated 12:00:00 UTC',
      // The summary's 95% intervals under the headline figures; P99's overlap, so that change is within noise.
      '[701–790]',
      '[250–301]',
      '[1.66–1.93]',
      'within noise',
    ]);
    await expect(page.getByRole('row', { name: /^P99/ }).locator('[data-verdict]').getAttribute('data-verdict')).resolves.toBe('neutral');
    expect(await page.getByRole('img', { name: 'TTFT by turn' }).locator('rect').count()).toBe(20);
    await expect(page.getByTestId('freshness-llm-d-prefix-aware').textContent()).resolves.toContain('110 requests (1 failed)');
    await page.screenshot({ path: path.join(shots, 'standalone-dark.png') });

    const darkBackground = await page.evaluate('getComputedStyle(document.body).backgroundColor');
    await page.getByRole('button', { name: 'Toggle light and dark theme' }).click();
    await page.getByRole('button', { name: 'Dark theme' }).waitFor();
    const lightBackground = await page.evaluate('getComputedStyle(document.body).backgroundColor');
    expect(lightBackground).not.toBe(darkBackground);
    await expectVisible(page, HEADLINE);
    await page.screenshot({ path: path.join(shots, 'standalone-light.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('standalone page: renders a summary recorded from a real exporter run (embedded simulated cluster)', async () => {
    const recorded = readSummary('summary-recorded.json');
    const server = await serveFolder(standaloneDir, { '/api/v1/summary': recorded, '/api/v1/history': history });
    const page = await browser.context.newPage();
    const errors = watchErrors(page);
    await page.setViewportSize({ width: 1280, height: 760 });
    await page.goto(`${server.url}/`);
    await page.getByRole('table', { name: 'TTFT', exact: true }).waitFor();
    const expected = recorded.targets.flatMap(({ summary, replicas }) => [
      `${Math.round(summary.ttft?.p95 ?? NaN)} ms`,
      `${(summary.cacheSpeedup ?? NaN).toFixed(2)}×`,
      ...replicas.map((r) => r.name),
    ]);
    await expectVisible(page, expected);
    await page.screenshot({ path: path.join(shots, 'standalone-recorded-dark.png') });
    expect(errors).toEqual([]);
    await page.close();
    await server.close();
  });

  it('standalone page: trend lines of the recorded history with the alert thresholds marked, dark then light', async () => {
    const page = await browser.context.newPage();
    const errors = watchErrors(page);
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${standalone.url}/`);
    const trends = page.getByRole('region', { name: 'Trends' });
    await trends.getByRole('img', { name: 'Cache speedup trend' }).waitFor();
    await trends.scrollIntoViewIfNeeded();
    // Two targets: P50, P95 and P99 each on the TTFT chart, one line each on the speedup and error charts.
    await expect(trends.getByTestId('trend-ttft').locator('polyline').count()).resolves.toBe(6);
    await expect(trends.getByTestId('trend-speedup').locator('polyline').count()).resolves.toBe(2);
    await expectVisible(page, ['SLO: 99% within 1 s', 'P95 regression floor 0.25 s', 'speedup alert below 2×', 'probe-failing alert above 5%', 'vllm', 'llm-d']);
    // vllm (round-robin) stays under 2x the whole time: long enough to fire. llm-d is under it in its first minute
    // (cold caches) and again from 12 minutes after the switch, for less than the 15m hold.
    const speedupSpans = trends.getByTestId('trend-speedup').locator('rect[data-alert="KVCanaryCacheSpeedupCollapsed"]');
    await expect(speedupSpans.count()).resolves.toBe(3);
    await expect(trends.getByTestId('trend-speedup').locator('rect[data-firing="true"]').count()).resolves.toBe(1);
    await trends.screenshot({ path: path.join(shots, 'trends-dark.png') });
    await page.getByRole('button', { name: 'Toggle light and dark theme' }).click();
    await page.getByRole('button', { name: 'Dark theme' }).waitFor();
    await expectVisible(page, ['SLO: 99% within 1 s', 'speedup alert below 2×']);
    await trends.screenshot({ path: path.join(shots, 'trends-light.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('standalone page: says so when the exporter cannot be read', async () => {
    const page = await browser.context.newPage();
    await page.route('**/api/v1/summary', (route) => route.fulfill({ status: 503, body: 'not ready' }));
    await page.goto(`${standalone.url}/`);
    await expect(page.getByRole('alert').textContent()).resolves.toBe(
      'Cannot read the summary: ./api/v1/summary answered HTTP 503'
    );
    await page.screenshot({ path: path.join(shots, 'standalone-error.png') });
    await page.close();
  });

  it('standalone page: refuses a summary that does not match the contract, naming the field', async () => {
    const [first, ...rest] = summary.targets;
    const body = { ...summary, targets: [{ ...first, summary: { ...first?.summary, requests: '110' } }, ...rest] };
    const page = await browser.context.newPage();
    await page.route('**/api/v1/summary', (route) =>
      route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(body) })
    );
    await page.goto(`${standalone.url}/`);
    await expect(page.getByRole('alert').textContent()).resolves.toBe(
      'Cannot read the summary: ./api/v1/summary does not match the summary schema: targets.0.summary.requests: Invalid input: expected number, received string'
    );
    await page.close();
  });

  for (const theme of ['dark', 'light']) {
    for (const [w, h] of [
      [400, 300],
      [1200, 600],
    ] as const) {
      it(`panel in Grafana's ${theme} theme at ${w}x${h}: figures visible, nothing spills sideways`, async () => {
        const page = await browser.context.newPage();
        const errors = watchErrors(page);
        await page.setViewportSize({ width: w, height: h });
        await page.goto(`${harness.url}/?theme=${theme}&w=${w}&h=${h}&data=series`);
        await page.getByRole('table', { name: 'TTFT', exact: true }).waitFor();
        // At 400x300 the panel scrolls: the headline is on screen, the rest below it.
        await expectVisible(page, w >= 1200 ? [...HEADLINE, '52% faster', 'vllm-0', 'llm-d-0'] : HEADLINE);
        const spill = await page.getByTestId('panel-chrome').evaluate((chrome) => {
          const view = chrome.querySelector('[data-state]');
          return view ? view.scrollWidth - view.clientWidth : -1;
        });
        await page.screenshot({ path: path.join(shots, `panel-${theme}-${w}x${h}.png`) });
        expect(spill).toBe(0);
        expect(errors).toEqual([]);
        await page.close();
      });
    }
  }

  it('panel reads instant queries in table format the same way', async () => {
    const page = await browser.context.newPage();
    const errors = watchErrors(page);
    await page.setViewportSize({ width: 1200, height: 600 });
    await page.goto(`${harness.url}/?theme=dark&w=1200&h=600&data=table`);
    await page.getByRole('table', { name: 'TTFT', exact: true }).waitFor();
    await expectVisible(page, [...HEADLINE, 'vllm-2']);
    expect(errors).toEqual([]);
    await page.close();
  });

  const states: Array<[string, string, string]> = [
    ['partial', 'partial', 'Only one target ("vllm-round-robin") has data; the comparison needs a second.'],
    ['empty', 'no-data', 'No data: no kvcanary series with a "target" label.'],
    ['error', 'error', 'Query A: bad_data: 1:15: parse error: unexpected "}"'],
    ['unplaced', 'ok', `refId B: no __name__ and refId is not one of ${FIGURE_IDS.map((id) => panelFigures[id].refId).join(', ')}`],
  ];
  for (const [data, state, text] of states) {
    it(`panel with ${data} data (state "${state}") says what is wrong`, async () => {
      const page = await browser.context.newPage();
      const errors = watchErrors(page);
      await page.setViewportSize({ width: 400, height: 300 });
      await page.goto(`${harness.url}/?theme=dark&w=400&h=300&data=${data}`);
      await page.locator(`[data-state="${state}"]`).waitFor();
      await expect(page.getByText(text).isVisible()).resolves.toBe(true);
      await page.screenshot({ path: path.join(shots, `panel-${data}-400x300.png`) });
      expect(errors).toEqual([]);
      await page.close();
    });
  }
});
