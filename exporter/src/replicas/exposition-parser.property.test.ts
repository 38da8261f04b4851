import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parseExposition, type ParseResult } from './exposition-parser.js';

/**
 * A replica's /metrics page is written by someone else: whatever it holds, parsing never throws,
 * and what comes out is bounded by what went in (at most a sample per line, at most five error
 * texts, names that are metric names, labels no bigger than the page).
 */
function expectBounded(text: string, result: ParseResult): void {
  const lines = text.split('\n').length;
  expect(result.samples.length + result.errorCount).toBeLessThanOrEqual(lines);
  expect(result.errors.length).toBeLessThanOrEqual(Math.min(5, result.errorCount));
  let labelChars = 0;
  for (const s of result.samples) {
    expect(s.name).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
    for (const [k, v] of Object.entries(s.labels)) labelChars += k.length + v.length;
  }
  expect(labelChars).toBeLessThanOrEqual(text.length);
  for (const e of result.errors) expect(e).toMatch(/^line \d+: /);
}

const PIECES = [
  'vllm:num_requests_running', 'vllm:kv_cache_usage_perc', '{', '}', 'engine="0"', 'model_name="m"', ',', '=', '"', '\\"', '\\\\',
  '\\n', ' ', '\t', '1', '0.5', '-1', 'NaN', '+Inf', '-Inf', '1e9', '1700000000000', '# TYPE ', '# HELP ', 'histogram', 'counter',
  '_bucket', '_sum', 'le="+Inf"', '# EOF', ' # {trace_id="a"} 1', '\n', '\r\n', '#', 'é', '🙂', '\u0000',
];

describe('exposition parser on arbitrary text', () => {
  it('arbitrary strings: never throws, bounded output', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 500 }), (text) => expectBounded(text, parseExposition(text))),
      { numRuns: 1000 },
    );
  });

  it('text assembled from exposition syntax: never throws, bounded output, with or without a filter', () => {
    const page = fc.array(fc.constantFrom(...PIECES), { maxLength: 80 }).map((p) => p.join(''));
    fc.assert(
      fc.property(page, fc.boolean(), (text, filtered) => {
        const result = parseExposition(text, filtered ? { keep: (name) => name.startsWith('vllm:') } : {});
        expectBounded(text, result);
        if (filtered) for (const s of result.samples) expect(s.name.startsWith('vllm:')).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
