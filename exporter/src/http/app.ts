import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { WebAuth } from '../config/secrets.js';
import { renderProbe } from '../metrics/probe-metrics.js';
import type { ExporterView } from '../runtime/exporter.js';
import type { Logger } from '../util/logger.js';
import { requireAuth } from './auth.js';
import { fallbackPage } from './fallback-page.js';
import { ProbeAdmission } from './probe-admission.js';

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

/** A probe waits this long when neither the scraper nor the query says otherwise. */
const DEFAULT_PROBE_TIMEOUT_S = 120;
/** The longest a probe may run: longer than any scrape timeout, short enough to hold a connection for. */
export const MAX_PROBE_TIMEOUT_S = 300;

/**
 * Seconds this probe may run: `?timeout=` (rejected outside (0, MAX_PROBE_TIMEOUT_S]), else the
 * seconds Prometheus waits for the scrape (blackbox_exporter honours the header the same way; a
 * header beyond the bound is held to it), else the default. Null when `?timeout=` is not valid.
 */
function probeTimeoutSeconds(req: Request): number | null {
  if (req.query.timeout !== undefined) {
    const fromQuery = typeof req.query.timeout === 'string' ? Number(req.query.timeout) : Number.NaN;
    return fromQuery > 0 && fromQuery <= MAX_PROBE_TIMEOUT_S ? fromQuery : null;
  }
  const fromHeader = Number(req.get('X-Prometheus-Scrape-Timeout-Seconds'));
  return fromHeader > 0 ? Math.min(fromHeader, MAX_PROBE_TIMEOUT_S) : DEFAULT_PROBE_TIMEOUT_S;
}

export function createApp(options: AppOptions): Express {
  const { view, logger } = options;
  const admissions = new ProbeAdmission(view.probeConcurrency, () => performance.now());
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requireAuth(options.auth, HEALTH_ROUTES));

  app.get('/-/healthy', (_req, res) => {
    res.type('text/plain').send('Healthy\n');
  });

  app.get('/-/ready', (_req, res) => {
    const { ready, waiting } = view.ready();
    if (ready) res.type('text/plain').send('Ready\n');
    else res.status(503).type('text/plain').send(`Not ready: ${waiting.map((w) => `${w.target}: ${w.reason}`).join('; ')}\n`);
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
    const seconds = probeTimeoutSeconds(req);
    if (seconds === null) {
      res.status(400).type('text/plain').send(`timeout must be a number of seconds greater than 0 and at most ${MAX_PROBE_TIMEOUT_S}\n`);
      return;
    }
    // Leave half a second to render and send the answer before the scraper gives up.
    const deadlineMs = Math.max(1, seconds - 0.5) * 1000;
    const admission = admissions.admit(target, performance.now() + deadlineMs);
    if (!admission.admitted) {
      res.setHeader('Retry-After', String(admission.retryAfterSeconds));
      res.status(429).type('text/plain').send(`too many probes of '${target}' in flight (at most ${view.probeConcurrency}); retry after ${admission.retryAfterSeconds} s\n`);
      return;
    }
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), deadlineMs);
    const onClose = (): void => abort.abort();
    res.on('close', onClose);
    try {
      const outcome = await view.probe(target, { turns, signal: abort.signal });
      if (outcome.error) logger.warn({ target, err: outcome.error }, 'probe failed');
      const { contentType, body } = await renderProbe(outcome, view.turnCap);
      res.type(contentType).send(body);
    } finally {
      admission.release();
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
