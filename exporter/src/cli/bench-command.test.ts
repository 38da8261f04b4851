import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchJsonSchema } from '@kvcanary/contract/schemas';
import { defaultCorpusDir } from '../corpus/load-corpus.js';
import { startCluster, type Cluster } from '../sim/cluster.js';
import { benchCommand, parseBenchArgs } from './bench-command.js';
import { compareCommand } from './compare-command.js';
import { UsageError } from '../util/usage-error.js';

const URL_ = 'http://127.0.0.1:9/v1';

describe('bench arguments', () => {
  it('has the reference tool\'s defaults', () => {
    const s = parseBenchArgs([URL_]);
    expect(s).toMatchObject({
      conversations: 11,
      turns: 10,
      maxTokens: 500,
      parallel: 4,
      minDelay: 0.5,
      maxDelay: 2.0,
      timeout: 120,
      verbose: false,
      keepAlive: false,
      replicaHeader: 'x-inference-pod',
      warmUp: true,
      seedGiven: false,
    });
  });

  it('takes the short flags of the reference tool', () => {
    const s = parseBenchArgs(['-d', 'docs', '-c', '3', '-t', '2', '-m', '50', '-p', '8', '-v', URL_, '--seed', '7', '--no-warmup', '--keep-alive']);
    expect(s).toMatchObject({ seedDocuments: 'docs', conversations: 3, turns: 2, maxTokens: 50, parallel: 8, verbose: true, seed: 7, seedGiven: true, warmUp: false, keepAlive: true });
  });

  it.each([
    [['--conversations', 'many', URL_], /--conversations must be an integer/],
    [['-c', '0', URL_], /--conversations must be an integer between 1 and 100000, got '0'/],
    [['--turns', '2.5', URL_], /--turns/],
    [['--parallel', '-1', URL_], /--parallel/],
    [['--timeout', '0', URL_], /--timeout must be a number greater than 0/],
    [['--timeout', '3000000', URL_], /--timeout must be at most 24.8 days \(2\^31-1 ms, the longest delay a Node.js timer can hold\), got '3000000'/],
    [['--max-delay', '2200000', URL_], /--max-delay must be at most 24.8 days/],
    [['--min-delay', 'x', URL_], /--min-delay/],
    [['--min-delay', '3', '--max-delay', '1', URL_], /--max-delay \(1\) must not be less than --min-delay \(3\)/],
    [['--frobnicate', URL_], /unknown option '--frobnicate'/],
    [['--seed', URL_], /--seed must be an integer .* got 'http/],
    [['-c'], /-c, --conversations <value>' argument missing/],
    [[], /missing URL/],
    [['ftp://x/v1'], /URL must be http or https/],
    [[URL_, 'extra'], /unexpected argument 'extra'/],
    [['--replica-header', 'bad header', URL_], /--replica-header/],
    [['--api-key-env', 'KVCANARY_SURELY_UNSET_VAR', URL_], /--api-key-env: environment variable 'KVCANARY_SURELY_UNSET_VAR' is not set/],
  ])('rejects %j with a usage error naming the flag', (argv, message) => {
    expect(() => parseBenchArgs(argv)).toThrow(UsageError);
    expect(() => parseBenchArgs(argv)).toThrow(message);
  });
});

describe('bench against a target', () => {
  let dir: string;
  let logs: string[];
  const log = jest.spyOn(console, 'log');
  const error = jest.spyOn(console, 'error');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kvcanary-bench-'));
    logs = [];
    log.mockImplementation((...args: unknown[]) => void logs.push(args.join(' ')));
    error.mockImplementation(() => undefined);
  });
  afterAll(async () => {
    log.mockRestore();
    error.mockRestore();
    await rm(dir, { recursive: true, force: true });
  });

  it('fails with a usage error when the URL is unreachable', async () => {
    await expect(benchCommand(['--no-warmup', 'http://127.0.0.1:9/v1'])).rejects.toThrow(/cannot list models at http:\/\/127\.0\.0\.1:9\/v1\/models/);
  });

  it('fails with a usage error when the URL is not OpenAI-compatible', async () => {
    const server: Server = createServer((_, res) => res.end('<html>hello</html>'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      await expect(benchCommand(['--no-warmup', `http://127.0.0.1:${port}/v1`])).rejects.toThrow(UsageError);
    } finally {
      server.close();
    }
  });

  it('fails with a usage error naming the corpus directory when it is unusable', async () => {
    await expect(benchCommand(['-d', join(dir, 'nope'), URL_])).rejects.toThrow(/--seed-documents '.*nope'/);
  });

  it('runs end to end over loopback against two simulated clusters, then compares them', async () => {
    // Ten times faster than real time: the same shape, a few seconds of wall time.
    const clusters: Cluster[] = [];
    try {
      clusters.push(await startCluster({ replicas: 4, router: 'round-robin', name: 'rr', seed: 1, timeScale: 0.1 }));
      clusters.push(await startCluster({ replicas: 4, router: 'prefix-aware', name: 'pa', seed: 1, timeScale: 0.1 }));
      const flags = ['-c', '6', '-t', '4', '-m', '30', '--min-delay', '0', '--max-delay', '0.01', '--seed', '11', '--no-warmup'];
      const files = [join(dir, 'rr.json'), join(dir, 'pa.json')];
      for (const [i, cluster] of clusters.entries()) {
        logs.length = 0;
        expect(await benchCommand([...flags, '--json', files[i] as string, cluster.routerUrl])).toBe(0);
        const text = logs.join('\n');
        expect(text).toContain('BENCHMARK SUMMARY');
        expect(text).toContain('Total requests: 24');
        expect(text).toContain('Completed conversations: 6/6');
        expect(text).toMatch(/Turn 4: [\d.]+ ms avg \(6 requests\)/);
        expect(text).toMatch(/Speedup ratio: [\d.]+x/);
        expect(text).toMatch(/Turn affinity: [\d.]+% of later turns/);
        expect(text).toContain('Seed: 11');
      }
      const json = benchJsonSchema.parse(JSON.parse(await readFile(files[0] as string, 'utf8')));
      // No --seed-documents: the frozen default corpus, every file of it, in name order.
      expect(json.documents.map((d) => d.name)).toEqual((await readdir(defaultCorpusDir())).sort());
      expect(json.records).toHaveLength(24);
      expect(json.summary.outcomes).toEqual({ success: 24 });
      expect(Object.keys(json.summary.replicas).sort()).toEqual(['rr-0', 'rr-1', 'rr-2', 'rr-3']);
      expect(json.summary.tokens.prompt).toBeGreaterThan(0);

      logs.length = 0;
      expect(await compareCommand([...files, '--names', 'round-robin,prefix-aware', '--iterations', '200'])).toBe(0);
      const table = logs.join('\n');
      expect(table).toContain('| Metric');
      expect(table).toContain('round-robin');
      expect(table).toContain('paired by (conversation, turn) over 24 request pairs');
    } finally {
      await Promise.all(clusters.map((c) => c.close()));
    }
  });
});
