import { afterEach, describe, expect, it } from '@jest/globals';
import { Agent } from 'undici';
import { parseConfig } from '../config/load.js';
import { resolveSecrets } from '../config/secrets.js';
import { localScraper } from '../replicas/scraper.js';
import { FakeClock } from '../test-support/fake-clock.js';
import { startLoopback, type Loopback } from '../test-support/loopback.js';
import { recordingLogger } from '../test-support/recording-logger.js';
import { awaitApiKey, createTargetRuntime, type TargetRuntime } from './target-runtime.js';

const KEY_FILE = '/run/secrets/kvcanary/api-key';
const KEY = 'sk-mounted-later-0123';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

/** An OpenAI-style /models that answers only with the key, remembering every Authorization it saw. */
async function modelsServer(): Promise<Loopback & { seen: (string | undefined)[] }> {
  const seen: (string | undefined)[] = [];
  const server = await startLoopback((req, res) => {
    seen.push(req.headers.authorization);
    if (req.headers.authorization !== `Bearer ${KEY}`) return void res.writeHead(401).end('{"error":"no key"}');
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[{"id":"m"}]}');
  });
  cleanups.push(() => server.close());
  return Object.assign(server, { seen });
}

/** A target reading its key from a file that is not there yet (`files` is what the filesystem holds). */
function targetWithKeyFile(url: string, files: Map<string, string>): TargetRuntime {
  const config = parseConfig({ targets: [{ name: 'prod', url: `${url}/v1`, model: 'm', apiKeyFile: KEY_FILE }] });
  const readFile = (file: string): string => {
    const text = files.get(file);
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
    return text;
  };
  const secrets = resolveSecrets(config, 'kvcanary.yaml', { env: {}, readFile });
  const target = config.targets?.[0];
  if (!target) throw new Error('no target');
  const rt = createTargetRuntime(target, { config, clock: new FakeClock(), logger: recordingLogger(), secrets: (name) => secrets.targets.get(name), scraper: localScraper(() => new Agent()) });
  cleanups.push(() => rt.client.close());
  return rt;
}

describe('a target whose API key is missing', () => {
  it('is not probed, says which file is missing, and starts once the kubelet mounts the Secret', async () => {
    const server = await modelsServer();
    const files = new Map<string, string>();
    const rt = targetWithKeyFile(server.url, files);
    const clock = new FakeClock();
    const logger = recordingLogger();
    let unsent = 0;
    const stop = new AbortController();
    cleanups.push(async () => stop.abort());

    expect(rt.problem).toBe(`targets[0].apiKeyFile: cannot read ${KEY_FILE} (ENOENT)`);
    let keyed: boolean | undefined;
    void awaitApiKey(rt, { clock, logger, signal: stop.signal, rereadMs: 10_000, countUnsent: () => unsent++ }).then((k) => (keyed = k));
    await clock.advance(25_000);
    // Read at 0 (start-up), 10 s and 20 s: three requests that could not be sent, one log line.
    expect({ unsent, measured: rt.measured, up: rt.up, keyed }).toEqual({ unsent: 3, measured: false, up: false, keyed: undefined });
    expect(logger.lines).toEqual([
      {
        level: 'error',
        msg: 'target not probed: its API key is missing; reading it again every 10s',
        fields: { target: 'prod', missing: `targets[0].apiKeyFile: cannot read ${KEY_FILE} (ENOENT)` },
      },
    ]);

    files.set(KEY_FILE, `${KEY}\n`);
    await clock.advance(10_000);
    expect({ keyed, problem: rt.problem, unsent }).toEqual({ keyed: true, problem: null, unsent: 3 });
    expect(logger.lines.at(-1)).toEqual({ level: 'info', msg: 'API key found; probing starts', fields: { target: 'prod' } });
    expect(JSON.stringify(logger.lines)).not.toContain(KEY);

    // The client now sends the key the file holds.
    await expect(rt.client.listModels()).resolves.toEqual(['m']);
    expect(server.seen).toEqual([`Bearer ${KEY}`]);
  });

  it('sends nothing while the key is missing, and stops waiting when the exporter stops', async () => {
    const server = await modelsServer();
    const rt = targetWithKeyFile(server.url, new Map());
    const clock = new FakeClock();
    const stop = new AbortController();
    const waiting = awaitApiKey(rt, { clock, logger: recordingLogger(), signal: stop.signal, rereadMs: 10_000, countUnsent: () => undefined });
    await clock.advance(60_000);
    stop.abort();
    await expect(waiting).resolves.toBe(false);
    expect(server.seen).toEqual([]);
  });

  it('a target with its key (or needing none) is probed at once', async () => {
    const server = await modelsServer();
    const rt = targetWithKeyFile(server.url, new Map([[KEY_FILE, KEY]]));
    const logger = recordingLogger();
    await expect(awaitApiKey(rt, { clock: new FakeClock(), logger, signal: new AbortController().signal, rereadMs: 10_000, countUnsent: () => undefined })).resolves.toBe(true);
    expect({ problem: rt.problem, lines: logger.lines }).toEqual({ problem: null, lines: [] });
    await expect(rt.client.listModels()).resolves.toEqual(['m']);
  });
});
