import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import type { Summary } from '@kvcanary/contract/schemas';
import { summarize } from '../stats/summarize.js';
import { makeRecord } from '../test-support/records.js';
import { formatSummary } from './bench-report.js';

/** The first summary printed in the reference document (the vLLM round-robin run), as published there. */
const REFERENCE = [
  '================================================================================',
  'BENCHMARK SUMMARY',
  '================================================================================',
  'Total time: 210.48s',
  'Total requests: 110',
  'Completed conversations: 11/11',
  'Requests per second: 0.52',
  'Time to First Token (TTFT):',
  'Min: 44.47 ms',
  'Max: 881.38 ms',
  'Mean: 208.96 ms',
  'P50: 119.00 ms',
  'P95: 727.26 ms',
  'P99: 814.92 ms',
  'Total Request Time:',
  'Min: 2347.15 ms',
  'Max: 10874.38 ms',
  'Mean: 6323.26 ms',
  'P50: 6138.65 ms',
  'P95: 9769.03 ms',
  'TTFT by Turn Number:',
  'Turn 1: 332.52 ms avg (11 requests)',
  'Turn 2: 305.08 ms avg (11 requests)',
  'Turn 3: 270.26 ms avg (11 requests)',
  'Turn 4: 203.46 ms avg (11 requests)',
  'Turn 5: 276.70 ms avg (11 requests)',
  'Turn 6: 95.63 ms avg (11 requests)',
  'Turn 7: 138.93 ms avg (11 requests)',
  'Turn 8: 152.36 ms avg (11 requests)',
  'Turn 9: 180.47 ms avg (11 requests)',
  'Turn 10: 134.21 ms avg (11 requests)',
  'TTFT by Document Type:',
  'CODE: 241.15 ms avg (50 requests)',
  'TEXT: 182.14 ms avg (60 requests)',
  'First Turn vs Subsequent Turns (Prefix Caching Indicator):',
  'First turn avg: 332.52 ms',
  'Later turns avg: 195.23 ms',
  'Speedup ratio: 1.70x',
];

const dist = (min: number, max: number, mean: number, p50: number, p95: number, p99: number) => ({ count: 110, min, max, mean, p50, p95, p99 });

/** The published run's figures, entered as a Summary: the formatter must print the same lines. */
const published: Summary = {
  target: 'vllm',
  model: 'Qwen/Qwen3-0.6B',
  elapsedSeconds: 210.48,
  requests: 110,
  outcomes: { success: 110 },
  conversationsCompleted: 11,
  conversationsPlanned: 11,
  requestsPerSecond: 110 / 210.48,
  ttft: dist(44.47, 881.38, 208.96, 119.0, 727.26, 814.92),
  timeToFirstContent: null,
  totalTime: dist(2347.15, 10874.38, 6323.26, 6138.65, 9769.03, 10000),
  itl: null,
  byTurn: [332.52, 305.08, 270.26, 203.46, 276.7, 95.63, 138.93, 152.36, 180.47, 134.21].map((meanMs, i) => ({ key: String(i + 1), meanMs, count: 11 })),
  byDocType: [
    { key: 'CODE', meanMs: 241.15, count: 50 },
    { key: 'TEXT', meanMs: 182.14, count: 60 },
  ],
  firstTurnMeanMs: 332.52,
  laterTurnsMeanMs: 195.23,
  cacheSpeedup: 332.52 / 195.23,
  tokens: { prompt: 0, completion: 0, cached: 0 },
  turnAffinity: null,
  replicas: {},
};

/**
 * testdata/reference-summary.txt was printed by python3 with the reference tool's own format strings
 * (its `_print_summary`, line for line) from the figures below, chosen where the formats bite: exact
 * halves that Python rounds to even (0.125, 208.625, 210.125 s), a figure wider than 10 characters,
 * two-digit turns, and a later-turns mean with no tie.
 */
const golden = readFileSync(new URL('./testdata/reference-summary.txt', import.meta.url), 'utf8');
const goldenFigures: Summary = {
  ...published,
  elapsedSeconds: 210.125,
  requests: 120,
  conversationsCompleted: 11,
  conversationsPlanned: 12,
  requestsPerSecond: 120 / 210.125,
  ttft: { count: 120, min: 0.125, max: 12345678.5, mean: 208.625, p50: 119.005, p95: 727.255, p99: 2.675 },
  totalTime: { count: 120, min: 2347.375, max: 10874.385, mean: 6323.265, p50: 6138.645, p95: 9769.035, p99: 10000 },
  byTurn: Array.from({ length: 12 }, (_, i) => ({ key: String(i + 1), meanMs: 100 + (i + 1) * 11.125, count: i + 1 < 12 ? 10 : 9 })),
  byDocType: [
    { key: 'TEXT', meanMs: 182.145, count: 65 },
    { key: 'CODE', meanMs: 241.155, count: 55 },
  ],
  firstTurnMeanMs: 332.625,
  laterTurnsMeanMs: 195.235,
  cacheSpeedup: 332.625 / 195.235,
};

describe('formatSummary', () => {
  it('prints what the reference tool prints for the same figures, character for character, before its own sections', () => {
    const ours = formatSummary(goldenFigures, { seed: 7 });
    const reference = golden.replace(/\n$/, '');
    expect(ours.slice(0, reference.length)).toBe(reference);
    // kvcanary's sections only follow the reference's closing rule.
    expect(ours.slice(reference.length)).toMatch(/^\n\nFailed Requests by Outcome:\n/);
  });


  it('prints the reference document\'s summary line for line once spaces are collapsed, as the blog page renders it', () => {
    const ours = formatSummary(published, { seed: 1 })
      .split('\n')
      .map((l) => l.trim().replace(/ +/g, ' '))
      .filter((l) => l.length > 0);
    const reference = REFERENCE;
    expect(reference).toHaveLength(38);
    expect(ours.slice(0, reference.length)).toEqual(reference);
  });

  it('prints a fixed run exactly (golden), with the figures the reference lacks', () => {
    const records = [
      makeRecord({ conversation: 0, turn: 1, ttftMs: 300, totalMs: 2000, docType: 'CODE', replica: 'sim-0', promptTokens: 1000, completionTokens: 50, cachedTokens: 0 }),
      makeRecord({ conversation: 0, turn: 2, ttftMs: 100, totalMs: 1500, docType: 'CODE', replica: 'sim-0', promptTokens: 1100, completionTokens: 50, cachedTokens: 992 }),
      makeRecord({ conversation: 1, turn: 1, ttftMs: 400, totalMs: 2500, docType: 'TEXT', replica: 'sim-1', promptTokens: 800, completionTokens: 40, cachedTokens: 0 }),
      makeRecord({ conversation: 1, turn: 2, outcome: 'timeout', ttftMs: undefined, totalMs: 120000, docType: 'TEXT', error: 'timed out' }),
    ];
    const s = summarize(records, { target: 't', model: 'm', elapsedSeconds: 8, conversationsPlanned: 2, turnsPerConversation: 2 });
    expect(formatSummary(s, { seed: 42, replicaHeader: 'x-inference-pod', workload: { digest: 'w-0123456789ab', coldStart: true } })).toBe(
      [
        '',
        '='.repeat(80),
        'BENCHMARK SUMMARY',
        '='.repeat(80),
        '',
        'Total time: 8.00s',
        'Total requests: 4',
        'Completed conversations: 1/2',
        'Requests per second: 0.50',
        '',
        'Time to First Token (TTFT):',
        '  Min:        100.00 ms',
        '  Max:        400.00 ms',
        '  Mean:       266.67 ms',
        '  P50:        300.00 ms',
        '  P95:        400.00 ms',
        '  P99:        400.00 ms',
        '',
        'Total Request Time:',
        '  Min:       1500.00 ms',
        '  Max:       2500.00 ms',
        '  Mean:      2000.00 ms',
        '  P50:       2000.00 ms',
        '  P95:       2500.00 ms',
        '',
        'TTFT by Turn Number:',
        '  Turn  1:     350.00 ms avg (2 requests)',
        '  Turn  2:     100.00 ms avg (1 requests)',
        '',
        'TTFT by Document Type:',
        '  CODE:       200.00 ms avg (2 requests)',
        '  TEXT:       400.00 ms avg (1 requests)',
        '',
        'First Turn vs Subsequent Turns (Prefix Caching Indicator):',
        '  First turn avg:      350.00 ms',
        '  Later turns avg:     100.00 ms',
        '  Speedup ratio:         3.50x',
        '',
        '='.repeat(80),
        '',
        'Workload:',
        '  Digest:          w-0123456789ab',
        '  Cold start:      on (a per-conversation marker opens turn 1)',
        '',
        'Failed Requests by Outcome:',
        '  timeout:                  1',
        '',
        'Tokens:',
        '  Prompt:                2900',
        '  Completion:             140',
        '  Cached prompt:          992 (34.2% of prompt)',
        '',
        'Replicas (x-inference-pod):',
        "  Turn affinity: 100.0% of later turns on the previous turn's replica",
        '  sim-0: 2 requests',
        '  sim-1: 1 requests',
        '',
        'Seed: 42 (replay with --seed 42)',
        '',
        '='.repeat(80),
      ].join('\n'),
    );
  });

  it('says cached tokens were not reported when no response carried them, rather than 0', () => {
    // vLLM without --enable-prompt-tokens-details: usage has no prompt_tokens_details at all.
    const s = summarize([makeRecord({ promptTokens: 1000, completionTokens: 50 })], { target: 't', model: 'm', elapsedSeconds: 1, conversationsPlanned: 1 });
    expect(s.tokens).toEqual({ prompt: 1000, completion: 50, cached: null });
    expect(formatSummary(s, { seed: 1 })).toContain('  Cached prompt:   not reported by the server (vLLM reports it with --enable-prompt-tokens-details)');
    const zero = summarize([makeRecord({ promptTokens: 1000, cachedTokens: 0 })], { target: 't', model: 'm', elapsedSeconds: 1, conversationsPlanned: 1 });
    expect(formatSummary(zero, { seed: 1 })).toContain('  Cached prompt:            0 (0.0% of prompt)');
  });

  it('adds the time to first content when a reasoning model thought before answering', () => {
    const records = [makeRecord({ ttftMs: 120, ttfcMs: 1500 }), makeRecord({ conversation: 1, ttftMs: 80, ttfcMs: 900 })];
    const text = formatSummary(summarize(records, { target: 't', model: 'm', elapsedSeconds: 1, conversationsPlanned: 2 }), { seed: 1 });
    expect(text).toContain("Time to First Content (reasoning not counted, the reference tool's TTFT):\n  Min:        900.00 ms\n  Max:       1500.00 ms\n  Mean:      1200.00 ms");
    expect(text).toContain('Time to First Token (TTFT):\n  Min:         80.00 ms');
  });

  it('leaves out what the reference leaves out when nothing succeeded', () => {
    const s = summarize([makeRecord({ outcome: 'connect_error', ttftMs: undefined })], { target: 't', model: 'm', elapsedSeconds: 1, conversationsPlanned: 1 });
    const text = formatSummary(s, { seed: 1 });
    expect(text).not.toContain('Time to First Token (TTFT):');
    expect(text).toContain('First Turn vs Subsequent Turns (Prefix Caching Indicator):\n\n' + '='.repeat(80));
    expect(text).toContain('  connect_error:            1');
  });

  it('prints the reference\'s "No stats collected" for a run with no requests', () => {
    const s = summarize([], { target: 't', model: 'm', elapsedSeconds: 1, conversationsPlanned: 1 });
    expect(formatSummary(s, { seed: 1 })).toMatch(new RegExp(`^\\n${'='.repeat(80)}\\nBENCHMARK SUMMARY\\n${'='.repeat(80)}\\nNo stats collected\\n`));
  });
});
