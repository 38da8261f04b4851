import { describe, expect, it } from '@jest/globals';
import { parseSimArgs, simCommand } from './sim-command.js';
import { UsageError } from '../util/usage-error.js';

describe('kvcanary sim', () => {
  it('parses flags, engine knobs in kebab-case', () => {
    expect(parseSimArgs(['--replicas', '2', '--router', 'random', '--port', '0', '--time-scale', '0.1', '--num-gpu-blocks', '512', '--seed', '9'])).toEqual({
      replicas: 2, router: 'random', port: 0, timeScale: 0.1, numGpuBlocks: 512, seed: 9,
    });
    expect(parseSimArgs(['--help'])).toBe('help');
  });

  it('parses the gateway and its costs', () => {
    expect(parseSimArgs(['--router', 'round-robin', '--gateway', 'inference-gateway', '--proxy-ms', '4', '--picker-ms', '1.5', '--picker-ms-per-kib', '0', '--kv-read-ms', '0.3', '--frontend-ms-per-token', '0.002'])).toEqual({
      router: 'round-robin', gateway: 'inference-gateway', proxyMs: 4, pickerMs: 1.5, pickerMsPerKib: 0, kvReadMs: 0.3, frontendMsPerToken: 0.002,
    });
  });

  it.each([
    [['--replicas', '0'], '--replicas'],
    [['--replicas', 'two'], '--replicas'],
    [['--router', 'fastest'], '--router'],
    [['--port', '70000'], '--port'],
    [['--time-scale', '0'], '--time-scale'],
    [['--num-gpu-blocks', '1.5'], '--num-gpu-blocks'],
    [['--bogus'], '--bogus'],
    [['--answer-min-tokens', '900'], '--answer-min-tokens'],
    [['--gateway', 'nginx'], '--gateway'],
    [['--picker-ms', '-1'], '--picker-ms'],
  ])('rejects %j naming the flag', (argv, flag) => {
    expect(() => parseSimArgs(argv)).toThrow(UsageError);
    expect(() => parseSimArgs(argv)).toThrow(flag);
  });

  it('prints the router and replica URLs, runs until told to stop, then exits 0', async () => {
    const lines: string[] = [];
    const stop = new AbortController();
    const running = simCommand(['--replicas', '2', '--name', 'cli', '--time-scale', '0.01'], { signal: stop.signal, print: (l) => lines.push(l) });
    while (lines.length < 3) await new Promise((r) => setTimeout(r, 10));
    expect(lines[0]).toMatch(/^router \(prefix-aware behind inference-gateway\): http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(lines[1]).toMatch(/^replica cli-0: http:\/\/127\.0\.0\.1:\d+\/v1/);
    const url = /(http\S+)/.exec(lines[0] ?? '')?.[1] ?? '';
    expect((await fetch(`${url}/models`)).status).toBe(200);
    stop.abort();
    await expect(running).resolves.toBe(0);
  });
});
