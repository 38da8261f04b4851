import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { UsageError } from '../util/usage-error.js';
import { ConfigError, loadConfigFile } from './load.js';

/**
 * Whatever a config file holds, loading it either gives a config or a ConfigError (a UsageError:
 * the CLI prints its message and exits 2) whose problems are single, non-empty lines. Nothing else
 * escapes: no TypeError from a shape the schema did not expect, no stack trace, no parser crash.
 */
function outcomeOf(text: string): 'valid' | string[] {
  try {
    loadConfigFile('fuzz.yaml', () => text);
    return 'valid';
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return [...err.problems];
  }
}

function expectCleanRejectionOrConfig(text: string): void {
  const outcome = outcomeOf(text);
  if (outcome === 'valid') return;
  expect(outcome.length).toBeGreaterThan(0);
  for (const problem of outcome) {
    expect(problem.trim()).not.toBe('');
    expect(problem).not.toContain('\n');
    expect(problem).not.toMatch(/\bat .+:\d+:\d+/);
  }
}

/** Pieces of YAML syntax and of kvcanary.yaml, to build documents that reach deep into both parsers. */
const FRAGMENTS = [
  'targets:', '- name: a', '  url: http://a/v1', 'url: http://a/v1', 'pacing:', '  timeout: 30d', 'timeout: 1h',
  'simulation: {}', 'web: { auth: { basic: { username: u } } }', 'replicas: { static: [] }', 'a: &x [1, 2, 3]',
  'b: *x', '<<: *x', '- *x', '&y', '*y', '{', '}', '[', ']', ': ', ', ', '\n', '  ', '- ', '"', "'", '# c', '!!binary',
  '!!str', '!!int', '!!map', '%YAML 1.2', '---', '...', '? ', '|', '>', '\t', '\u0000', '\ufeff', 'null', '~', '1e999',
  '-0', '0x10', 'true', '.nan', '.inf',
];

describe('config loader on arbitrary input', () => {
  it('arbitrary text: a config or a ConfigError with one-line problems', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), expectCleanRejectionOrConfig), { numRuns: 400 });
  });

  it('documents assembled from YAML and kvcanary.yaml fragments, aliases and tags included', () => {
    const document = fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 40 }).map((parts) => parts.join(''));
    fc.assert(fc.property(document, expectCleanRejectionOrConfig), { numRuns: 400 });
  });

  it('any YAML value, at the top level and in place of each section', () => {
    // stringify(undefined) is no document at all, not a file a user could write.
    const value = fc.anything({ maxDepth: 3, withNullPrototype: false }).filter((v) => v !== undefined);
    const section = fc.constantFrom('targets', 'pacing', 'web', 'window', 'replicaScrape', 'simulation', 'corpus', 'shutdownGrace', 'turnLabelCap');
    const documents = fc.oneof(
      value.map((v) => stringify(v)),
      fc.tuple(section, value).map(([key, v]) => stringify({ [key]: v })),
      fc.tuple(value, value).map(([name, url]) => stringify({ targets: [{ name, url }] })),
    );
    fc.assert(fc.property(documents, expectCleanRejectionOrConfig), { numRuns: 400 });
  });

  it('a rejection is always a usage error, which the CLI turns into exit code 2', () => {
    expect(() => loadConfigFile('fuzz.yaml', () => 'a: [')).toThrow(UsageError);
  });
});
