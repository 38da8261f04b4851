import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { loadConfigFile, parseConfig } from '../config/load.js';
import { resolveSecrets } from '../config/secrets.js';
import { loadCorpus } from '../corpus/load-corpus.js';
import { startEmbeddedClusters, type EmbeddedClusters } from '../runtime/embedded-cluster.js';
import { startExporter } from '../runtime/exporter.js';
import { createApp } from '../http/app.js';
import { listen } from '../http/http-server.js';
import { DEFAULT_LISTEN_ADDRESS, displayUrl, parseListenAddress } from '../http/listen-address.js';
import { freshSeed } from '../util/random.js';
import { parseStrict, stringValue } from '../util/args.js';
import { renderPlain, renderTable, type TableRow } from './live-table.js';
import { UsageError } from '../util/usage-error.js';

export const SERVE_USAGE = `usage: kvcanary serve [--config FILE] [--web.listen-address=HOST:PORT] [--log.level=LEVEL]

  --config FILE               kvcanary.yaml (see exporter/README.md); none = the embedded
                              simulated cluster: vllm (round-robin) vs llm-d (prefix-aware)
  --web.listen-address ADDR   where /metrics and the API listen (default ${DEFAULT_LISTEN_ADDRESS}; port 0 = any free port)
  --log.level LEVEL           debug, info, warn or error (default info); JSON logs go to stderr`;

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'];
/** After the exporter stops, responses in progress (a last scrape) get this long before connections are dropped. */
const SERVER_DRAIN_MS = 1000;
/** Past shutdownGrace, this long for the rest of shutdown (closing servers and clients) before exiting anyway. */
const SHUTDOWN_SLACK_MS = 5000;
const TTY_REFRESH_MS = 3000;
const PLAIN_REFRESH_MS = 15_000;

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export async function serveCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseStrict('serve', argv, {
    config: { type: 'string' },
    'web.listen-address': { type: 'string' },
    'log.level': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(SERVE_USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`serve: unexpected argument '${positionals[0]}'`);
  const where = parseListenAddress(stringValue(values['web.listen-address']) ?? DEFAULT_LISTEN_ADDRESS);
  const level = stringValue(values['log.level']) ?? 'info';
  if (!LOG_LEVELS.includes(level)) throw new UsageError(`--log.level must be one of ${LOG_LEVELS.join(', ')}, got '${level}'`);

  // Everything the user can get wrong is checked here, before anything starts (exit 2 on error).
  const file = stringValue(values.config);
  const fileConfig = file === undefined ? parseConfig({}, '(embedded default)') : loadConfigFile(file);
  const secrets = resolveSecrets(fileConfig, file ?? '(embedded default)');
  const corpusDir = fileConfig.corpus.dir;
  let documents;
  try {
    documents = await loadCorpus(corpusDir === undefined ? {} : { dir: corpusDir });
  } catch (err) {
    throw new UsageError(`corpus.dir: ${err instanceof Error ? err.message : String(err)}`);
  }

  // Structured logs on stderr: stdout belongs to the table.
  const logger = pino({ level, base: { app: 'kvcanary' }, redact: ['authorization', '*.authorization', 'headers'] }, pino.destination(2));
  let embedded: EmbeddedClusters | null = null;
  let config = fileConfig;
  if (!fileConfig.targets) {
    embedded = await startEmbeddedClusters(fileConfig);
    config = embedded.config;
  }
  const seed = config.pacing.seed ?? freshSeed();
  logger.info({ seed, targets: config.targets?.map((t) => t.name) }, 'starting; conversation scripts are seeded (set pacing.seed to replay)');
  const exporter = startExporter({ config, secrets, documents, seed, version: version(), logger });
  const server = await listen(createApp({ view: exporter.view, auth: secrets.webAuth, logger }), where).catch(async (err: unknown) => {
    await exporter.stop(0);
    await embedded?.close();
    throw new Error(`cannot listen on ${where.host ?? ''}:${where.port}: ${err instanceof Error ? err.message : String(err)}`);
  });
  const url = displayUrl(server.address);
  const out = process.stdout;
  // Kept on screen above the refreshed table: where to look is what a user needs most.
  const header = [
    `kvcanary exporter listening on ${url}`,
    `  page     ${url}/`,
    `  metrics  ${url}/metrics`,
    `  summary  ${url}/api/v1/summary`,
    ...(embedded?.clusters ?? []).map((e) => `  simulated ${e.name}: ${e.cluster.routerUrl} (${e.cluster.replicas.length} replicas, ${e.cluster.policy()})`),
  ].join('\n');
  out.write(`${header}\n`);

  const rows = (): TableRow[] => exporter.windowSummaries().map((summary, i) => ({ summary, role: exporter.targets[i]?.role ?? null, up: exporter.targets[i]?.up ?? false }));
  const tty = out.isTTY === true;
  const timer = setInterval(() => {
    if (tty) out.write(`\x1b[H\x1b[2J${header}\n  (Ctrl-C to stop)\n\n${renderTable(rows(), config.window.duration / 1000)}\n`);
    else out.write(`${renderPlain(rows())}\n`);
  }, tty ? TTY_REFRESH_MS : PLAIN_REFRESH_MS);

  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  clearInterval(timer);
  logger.info({ signal, graceMs: config.shutdownGrace }, 'stopping: no new conversations; finishing requests in flight');
  // A second signal means "now".
  const hurry = (): void => process.exit(1);
  process.once('SIGTERM', hurry);
  process.once('SIGINT', hurry);
  // Whatever still holds on (a peer that never answers, a stuck discovery), shutdown ends: Kubernetes
  // would SIGKILL the pod anyway, without the log line saying why.
  const watchdog = setTimeout(() => {
    logger.error({ graceMs: config.shutdownGrace }, 'shutdown did not finish in time; exiting');
    process.exit(1);
  }, config.shutdownGrace + SHUTDOWN_SLACK_MS);
  watchdog.unref();
  await exporter.stop(config.shutdownGrace);
  await server.close(SERVER_DRAIN_MS);
  await embedded?.close();
  clearTimeout(watchdog);
  logger.info({}, 'stopped');
  return 0;
}
