import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfigFile, parseConfig } from './load.js';
import { parseDuration } from './duration.js';
import { resolveSecrets } from './secrets.js';

const testdata = join(dirname(fileURLToPath(import.meta.url)), 'testdata');

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('config fixtures', () => {
  // Every invalid-*.yaml names its exact messages in `# expect:` lines (blackbox_exporter's pairing).
  const fixtures = readdirSync(testdata).filter((f) => f.startsWith('invalid-'));
  it.each(fixtures)('%s fails with exactly its expected messages', (file) => {
    const path = join(testdata, file);
    const expected = readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('# expect: '))
      .map((l) => l.slice('# expect: '.length));
    expect(expected.length).toBeGreaterThan(0);
    expect(problemsOf(() => loadConfigFile(path)).sort()).toEqual(expected.sort());
  });

  it('loads the full valid example with defaults filled in', () => {
    const config = loadConfigFile(join(testdata, 'valid-full.yaml'));
    expect(config.targets?.map((t) => [t.name, t.role, t.keepAlive, t.replicaHeader])).toEqual([
      ['vllm', 'baseline', false, 'x-inference-pod'],
      ['llm-d', 'candidate', true, 'x-inference-pod'],
    ]);
    expect(config.targets?.[0]?.replicas?.kubernetes).toEqual({ namespace: 'llm', labelSelector: 'app=vllm', port: 8000, path: '/metrics' });
    expect(config.targets?.[1]?.replicas?.endpointPicker).toEqual({ url: 'http://epp.llm.svc:9090/metrics' });
    expect(config.pacing).toMatchObject({ conversationsPerMinute: 6, turns: 8, maxTokens: 500, thinkTime: { min: 1000, max: 3000 }, timeout: 120_000 });
    expect(config.window).toEqual({ duration: 900_000, maxRequests: 3000 });
    expect(config.turnLabelCap).toBe(10);
  });

  it('the example deployment config in the package is valid', () => {
    const example = join(testdata, '..', '..', '..', 'kvcanary.example.yaml');
    expect(loadConfigFile(example).targets?.map((t) => t.role)).toEqual(['baseline', 'candidate']);
  });

  it('a zero-byte file is an error naming the file, never the embedded simulator', () => {
    expect(() => loadConfigFile('/etc/kvcanary/config.yaml', () => '')).toThrow(
      'invalid config /etc/kvcanary/config.yaml:\n  the file is empty or only comments; list targets, or write `simulation: {}` for the embedded simulated clusters',
    );
  });

  it('an explicit simulation section starts the embedded clusters', () => {
    expect(loadConfigFile('sim.yaml', () => 'simulation: {}\n').simulation).toEqual({ replicas: 4, speed: 1 });
  });

  it('no --config at all (an empty document in code) is the embedded default', () => {
    const config = parseConfig(null);
    expect(config.targets).toBeUndefined();
    expect(config.window.duration).toBe(600_000);
  });

  it('names an unreadable file', () => {
    expect(problemsOf(() => loadConfigFile('/nonexistent/kvcanary.yaml'))).toEqual(['cannot read: ENOENT']);
  });
});

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['2s', 2000],
    ['1m30s', 90_000],
    ['1.5s', 1500],
    ['10', 10_000],
    [3, 3000],
  ])('%p is %p ms', (text, ms) => expect(parseDuration(text)).toBe(ms));
  it.each(['', '2x', 's', '2s junk', '-1s'])('%p is not a duration', (text) => expect(parseDuration(text)).toBeNull());
});

describe('secrets', () => {
  const config = loadConfigFile(join(testdata, 'valid-full.yaml'));

  it('reads the API key and web token from the environment without putting them in messages', () => {
    const secrets = resolveSecrets(config, 'x', { env: { TEST_VLLM_KEY: 'sk-123', TEST_WEB_TOKEN: 'tok' }, readFile: () => '' });
    expect(secrets.targets.get('vllm')?.apiKey?.()).toEqual({ value: 'sk-123' });
    expect(secrets.targets.get('llm-d')?.apiKey).toBeNull();
    expect(secrets.webAuth).toEqual({ kind: 'bearer', token: 'tok' });
  });

  it('stops the start-up on a missing web token, and not on a missing API key', () => {
    expect(problemsOf(() => resolveSecrets(config, 'x', { env: {}, readFile: () => '' }))).toEqual([
      'web.auth.bearer.tokenEnv: environment variable TEST_WEB_TOKEN is not set',
    ]);
  });

  it('names the missing API key by field and variable, and reads it again on every call', () => {
    const env: Record<string, string | undefined> = { TEST_WEB_TOKEN: 'tok' };
    const apiKey = resolveSecrets(config, 'x', { env, readFile: () => '' }).targets.get('vllm')?.apiKey;
    expect(apiKey?.()).toEqual({ problem: 'targets[0].apiKeyEnv: environment variable TEST_VLLM_KEY is not set' });
    env.TEST_VLLM_KEY = 'sk-later';
    expect(apiKey?.()).toEqual({ value: 'sk-later' });
  });

  it('reads keys from files, trimmed, and names a file that is missing or empty', () => {
    const fromFile = parseConfig({ targets: [{ name: 'a', url: 'http://a/v1', apiKeyFile: '/k' }] });
    const files = new Map<string, string>();
    const readFile = (f: string): string => {
      const text = files.get(f);
      if (text === undefined) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
      return text;
    };
    const apiKey = resolveSecrets(fromFile, 'x', { env: {}, readFile }).targets.get('a')?.apiKey;
    expect(apiKey?.()).toEqual({ problem: 'targets[0].apiKeyFile: cannot read /k (ENOENT)' });
    files.set('/k', '\n');
    expect(apiKey?.()).toEqual({ problem: 'targets[0].apiKeyFile: /k is empty' });
    files.set('/k', 'sk-file\n');
    expect(apiKey?.()).toEqual({ value: 'sk-file' });
  });
});
