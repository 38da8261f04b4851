import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { WebAuth } from '../config/secrets.js';
import { renderProbe } from '../metrics/probe-metrics.js';
import type { ExporterView } from '../runtime/exporter.js';
import type { Logger } from '../util/logger.js';
import { requireAuth } from './auth.js';
import { fallbackPage } from './fallback-page.js';

export interface AppOptions {
  view: ExporterView;
  auth: WebAuth | null;
  logger: Logger;
  /** The standalone comparison page (panel-plugin/dist-standalone); absent = a plain page of links. */
  staticDir?: string | null;
}

const HEALTH_ROUTES = ['/-/healthy', '/-/ready'];

/**
 * The comparison page: `page/` of the installed npm package (exporter/scripts/pack-bundle.sh copies it
 * there), else the workspace's panel-plugin/dist-standalone. Paths from this file in src/ and dist/ alike.
 */
export function defaultStaticDir(): string | null {
  const candidates = ['../../page/', '../../../panel-plugin/dist-standalone/'].map((rel) => fileURLToPath(new URL(rel, import.meta.url)));
  return candidates.find((dir) => existsSync(`${dir}index.html`)) ?? null;
}

/** Seconds Prometheus will wait for this scrape (blackbox_exporter honours it the same way). */
function probeDeadlineMs(req: Request): number {
  const fromHeader = Number(req.get('X-Prometheus-Scrape-Timeout-Seconds'));
  const fromQuery = Number(req.query.timeout);
  const seconds = Number.isFinite(fromQuery) && fromQuery > 0 ? fromQuery : Number.isFinite(fromHeader) && fromHeader > 0 ? fromHeader : 120;
  // Leave half a second to render and send the answer before the scraper gives up.
  return Math.max(1, seconds - 0.5) * 1000;
}

export function createApp(options: AppOptions): Express {
  const { view, logger } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requireAuth(options.auth, HEALTH_ROUTES));

  app.get('/-/healthy', (_req, res) => {
    res.type('text/plain').send('Healthy\n');
  });

  app.get('/-/ready', (_req, res) => {
    const { ready, waitingFor } = view.ready();
    if (ready) res.type('text/plain').send('Ready\n');
    else res.status(503).type('text/plain').send(`Not ready: no request has finished yet for ${waitingFor.join(', ')}\n`);
  });

  app.get('/metrics', async (req, res) => {
    const { contentType, body } = await view.renderMetrics(req.get('accept'));
    res.setHeader('Cache-Control', 'no-store');
    res.type(contentType).send(body);
  });

  app.get('/api/v1/summary', async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json(await view.summary());
  });

  app.get('/api/v1/history', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json(view.history());
  });

  app.get('/api/v1/records', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json(view.records());
  });

  app.get('/probe', async (req, res) => {
    const target = typeof req.query.target === 'string' ? req.query.target : '';
    if (!view.targetNames().includes(target)) {
      res.status(400).type('text/plain').send(target === '' ? 'target parameter is missing\n' : `unknown target '${target.slice(0, 64)}' (configured: ${view.targetNames().join(', ')})\n`);
      return;
    }
    const turns = req.query.turns === undefined ? view.maxTurns : Number(req.query.turns);
    if (!Number.isInteger(turns) || turns < 1 || turns > view.maxTurns) {
      res.status(400).type('text/plain').send(`turns must be an integer from 1 to ${view.maxTurns}\n`);
      return;
    }
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), probeDeadlineMs(req));
    const onClose = (): void => abort.abort();
    res.on('close', onClose);
    try {
      const outcome = await view.probe(target, { turns, signal: abort.signal });
      if (outcome.error) logger.warn({ target, err: outcome.error }, 'probe failed');
      const { contentType, body } = await renderProbe(outcome, view.turnCap);
      res.type(contentType).send(body);
    } finally {
      clearTimeout(timer);
      res.off('close', onClose);
    }
  });

  const staticDir = options.staticDir === undefined ? defaultStaticDir() : options.staticDir;
  if (staticDir) app.use('/', express.static(staticDir, { index: 'index.html', fallthrough: true }));
  else
    app.get('/', (_req, res) => {
      res.type('html').send(fallbackPage(view.targetNames()));
    });

  app.use((_req, res) => {
    res.status(404).type('text/plain').send('not found\n');
  });
  // Express 5 forwards rejected handlers here; nothing internal goes back to the caller.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    logger.error({ path: req.path, err: err instanceof Error ? err.message : String(err) }, 'request failed');
    if (!res.headersSent) res.status(500).type('text/plain').send('internal error\n');
  });
  return app;
}
