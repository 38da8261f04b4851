import { describe, expect, it } from '@jest/globals';
import { parseHarnessArgs, SECTIONS } from './harness-args.js';

const parse = (...argv: string[]) => parseHarnessArgs(argv, '/tmp/default-out', '/home/user');

describe('the bench harness command line', () => {
  it('runs every section of the default mode, with a fixed seed, into .bench/', () => {
    expect(parse()).toEqual({ mode: 'default', out: '/tmp/default-out', corpusDir: null, seed: 1, levels: null, sections: new Set(SECTIONS), stream: {}, cpuProfDir: null });
  });

  it('takes levels, sections, a corpus and the ground truth shape', () => {
    const o = parse('--long', '--levels', '32,128', '--only', 'levels,startup', '-d', 'docs', '--out', 'runs/a', '--first-token-ms', '50', '--chunks', '20', '--chunk-interval-ms', '0');
    expect(o).toMatchObject({ mode: 'long', levels: [32, 128], sections: new Set(['levels', 'startup']), stream: { firstTokenMs: 50, chunks: 20, chunkIntervalMs: 0 } });
  });

  it('takes relative paths from where the command was typed', () => {
    expect(parse('-d', 'docs', '--out', 'runs/a', '--cpu-prof', 'profiles')).toMatchObject({ corpusDir: '/home/user/docs', out: '/home/user/runs/a', cpuProfDir: '/home/user/profiles' });
  });

  it.each([
    [['--quick', '--long'], 'give --quick or --long, not both'],
    [['--levels', '4,,32'], "--levels must be a comma-separated list, got '4,,32'"],
    [['--levels', '4,2000'], "--levels must be an integer between 1 and 1000, got '2000'"],
    [['--only', 'levels,cache'], "--only: unknown section 'cache' (expected startup, levels, footprint, metrics, interference)"],
    [['--chunks', '0'], "--chunks must be an integer between 1 and 10000, got '0'"],
    [['--fast'], "npm run bench: unknown option '--fast'"],
    [['extra'], "unexpected argument 'extra'"],
  ])('refuses %j with one line naming the flag', (argv, message) => {
    expect(() => parse(...argv)).toThrow(message);
  });
});
