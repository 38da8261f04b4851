import { afterEach, describe, expect, it } from '@jest/globals';
import { MODEL_LOOKUP_ERROR, OUTCOMES, UNKNOWN_MODEL } from '@kvcanary/contract';
import { parseConfig } from '../config/load.js';
import type { SeedDocument } from '../corpus/types.js';
import { FakeClock } from '../test-support/fake-clock.js';
import { startLoopback, type Loopback } from '../test-support/loopback.js';
import { recordingLogger } from '../test-support/recording-logger.js';
import { tokenEvent } from '../test-support/runaway-stream.js';
import { startExporter, type Exporter } from './exporter.js';

/**
 * A target whose model is discovered (GET /models) and whose lookup fails at first: it used to have
 * no request series at all (the error-ratio alert could not fire), /-/ready said ready, and only the
 * first lookup error was ever logged.
 */
const documents: SeedDocument[] = [{ name: 'a.md', type: 'TEXT', content: 'A short document about caches.' }];
const MODEL_RETRY_MS = 10_000;

let server: Loopback | null = null;
let exporter: Exporter | null = null;
afterEach(async () => {
  await exporter?.stop(0);
  await server?.close();
  server = exporter = null;
});

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let waited = 0; !(await check()); waited += 10) {
    if (waited > 10_000) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Value of the sample whose line starts with `prefix` (name and labels up to a point), or undefined. */
function value(body: string, prefix: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

describe('a target whose model lookup fails before it succeeds', () => {
  it('is counted, logged at each new error, not ready, and has one model of series once found', async () => {
    let models = { status: 404, body: JSON.stringify({ error: { message: 'not found' } }) };
    let chats = 0;
    server = await startLoopback((req, res) => {
      req.resume();
      if (req.url === '/v1/models') {
        res.writeHead(models.status, { 'content-type': 'application/json' });
        res.end(models.body);
        return;
      }
      chats++;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`${tokenEvent('ok')}data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n`);
    });
    const clock = new FakeClock();
    const logger = recordingLogger();
    const config = parseConfig({
      targets: [{ name: 'disc', url: `${server.url}/v1` }],
      // One conversation of one turn now, the next in 100 minutes: every request below is accounted for.
      pacing: { conversationsPerMinute: 0.01, turns: 1, thinkTime: { min: '1s', max: '1s' } },
    });
    exporter = startExporter({ config, secrets: { targets: new Map(), webAuth: null }, documents, seed: 1, version: 'test', logger, clock });
    const metrics = async (): Promise<string> => (await exporter?.view.renderMetrics(undefined))?.body ?? '';
    const lookupFailures = async (): Promise<number | undefined> =>
      value(await metrics(), `kvcanary_requests_total{target="disc",model="${UNKNOWN_MODEL}",outcome="${MODEL_LOOKUP_ERROR}"}`);

    // Series exist before anything answered: every outcome, under the placeholder model.
    const first = await metrics();
    for (const outcome of OUTCOMES) expect(value(first, `kvcanary_requests_total{target="disc",model="${UNKNOWN_MODEL}",outcome="${outcome}"}`)).toBeDefined();

    await until(async () => (await lookupFailures()) === 1);
    expect(exporter.view.ready()).toEqual({ ready: false, waiting: [{ target: 'disc', reason: 'model lookup failing' }] });

    models = { status: 401, body: JSON.stringify({ error: { message: 'invalid api key' } }) };
    await clock.advance(MODEL_RETRY_MS);
    await until(async () => (await lookupFailures()) === 2);
    // The same 401 again is counted, not logged again.
    await clock.advance(MODEL_RETRY_MS);
    await until(async () => (await lookupFailures()) === 3);
    expect(logger.atLeast('warn').map((l) => [l.msg, l.fields.err])).toEqual([
      ['cannot discover the model; retrying', `cannot list models at ${server.url}/v1/models: HTTP 404: not found`],
      ['cannot discover the model; retrying', `cannot list models at ${server.url}/v1/models: HTTP 401: invalid api key`],
    ]);

    models = { status: 200, body: JSON.stringify({ data: [{ id: 'qwen' }] }) };
    await clock.advance(MODEL_RETRY_MS);
    await until(async () => !(await metrics()).includes(`model="${UNKNOWN_MODEL}"`));
    const known = (await metrics()).split('\n').filter((l) => l.startsWith('kvcanary_requests_total{target="disc"'));
    expect(known.map((l) => l.replace(/ \S+$/, ''))).toEqual(OUTCOMES.map((o) => `kvcanary_requests_total{target="disc",model="qwen",outcome="${o}"}`));
    expect(exporter.view.ready()).toEqual({ ready: false, waiting: [{ target: 'disc', reason: 'no request finished yet' }] });

    // The first conversation's think time passes, its one request finishes: probing works.
    await clock.advance(1000);
    await until(() => exporter?.view.ready().ready === true);
    expect(value(await metrics(), 'kvcanary_requests_total{target="disc",model="qwen",outcome="success"}')).toBe(1);
    expect(logger.atLeast('info').map((l) => l.msg)).toContain('canary requests succeed again');

    // A /probe conversation reaches the target but stays out of the canary's window and counters.
    const probe = await clock.settle(exporter.view.probe('disc', { turns: 1, signal: new AbortController().signal }));
    expect(probe.records.map((r) => r.outcome)).toEqual(['success']);
    expect(chats).toBe(2);
    expect(exporter.targets[0]?.window.length).toBe(1);
    expect(value(await metrics(), 'kvcanary_requests_total{target="disc",model="qwen",outcome="success"}')).toBe(1);
  });
});
