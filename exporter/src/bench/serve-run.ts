/**
 * The real exporter as users run it: `kvcanary serve --config FILE` in a child process, its address
 * read from the line it prints, its figures read over HTTP like any client of its API.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeSchemaError, summaryResponseSchema, type SummaryResponse } from '@kvcanary/contract/schemas';
import type { z } from 'zod';
import type { configSchema } from '../config/schema.js';
import { httpGet } from './http-get.js';
import { startMeasured, type Exit, type MeasuredProcess } from './measured-process.js';

/** kvcanary.yaml as written (YAML is a superset of JSON, so the file is written as JSON). */
export type ConfigFile = z.input<typeof configSchema>;

/** The CLI as built: dist/cli/main.js beside dist/bench/. */
export const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 20_000;
/** Requests in flight when the harness stops serve are cut after this (the config's shutdownGrace). */
export const SHUTDOWN_GRACE = '1s';

let configs = 0;

export function startServe(config: ConfigFile, scratch: string): MeasuredProcess {
  const file = join(scratch, `kvcanary-${configs++}.yaml`);
  writeFileSync(file, JSON.stringify(config, null, 2));
  return startMeasured(CLI, ['serve', `--config=${file}`, '--web.listen-address=127.0.0.1:0', '--log.level=warn'], scratch);
}

/** The exporter's base URL, from its "listening on" line. */
export async function serveUrl(p: MeasuredProcess): Promise<string> {
  const deadline = performance.now() + START_TIMEOUT_MS;
  while (performance.now() < deadline) {
    const found = /listening on (http:\/\/\S+)/.exec(p.stdout());
    if (found) return found[1] as string;
    if (p.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await p.stop('SIGKILL', 1000);
  throw new Error(`kvcanary serve did not start listening: ${p.output()}`);
}

export async function stopServe(p: MeasuredProcess): Promise<Exit> {
  const exit = await p.stop('SIGTERM', STOP_GRACE_MS);
  if (exit.code !== 0) throw new Error(`kvcanary serve exited with ${exit.code} when stopped: ${p.output()}`);
  return exit;
}

export async function fetchSummary(url: string): Promise<SummaryResponse> {
  const res = await httpGet(`${url}/api/v1/summary`);
  if (res.status !== 200) throw new Error(`GET /api/v1/summary answered ${res.status}`);
  const parsed = summaryResponseSchema.safeParse(JSON.parse(res.body.toString('utf8')));
  if (!parsed.success) throw new Error(`GET /api/v1/summary: ${describeSchemaError(parsed.error)}`);
  return parsed.data;
}
