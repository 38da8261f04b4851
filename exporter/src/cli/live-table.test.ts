import { describe, expect, it } from '@jest/globals';
import type { RequestRecord } from '@kvcanary/contract/schemas';
import { summarize } from '../stats/summarize.js';
import { improvement, renderPlain, renderTable } from './live-table.js';

const rec = (target: string, turn: number, ttftMs: number): RequestRecord => ({ target, conversation: 1, turn, docType: 'CODE', document: 'a', outcome: 'success', startedAt: 0, totalMs: 1000, ttftMs });
const summaryOf = (target: string, first: number, later: number) =>
  summarize([rec(target, 1, first), rec(target, 2, later), rec(target, 3, later)], { target, model: 'm', elapsedSeconds: 60, conversationsPlanned: 0, turnCap: 10 });

describe('live table', () => {
  const rows = [
    { summary: summaryOf('vllm', 350, 200), role: 'baseline' as const, up: true },
    { summary: summaryOf('llm-d', 360, 90), role: 'candidate' as const, up: true },
  ];

  it('shows the window figures and the improvement of the candidate', () => {
    const text = renderTable(rows, 600);
    expect(text).toContain('TTFT over the last 600 s');
    expect(text).toMatch(/vllm\s+baseline\s+yes\s+3\s+0\s+200\.0\s+350\.0\s+350\.0\s+350\.0\s+200\.0\s+1\.75x/);
    expect(text).toContain('llm-d vs vllm: P50 55.0% faster, P95 2.9% slower, P99 2.9% slower');
    expect(text).toContain('cache speedup 4.00x vs 1.75x');
  });

  it('prints one plain line per target when not on a terminal', () => {
    expect(renderPlain(rows).split('\n')).toEqual([
      'vllm (baseline): requests=3 errors=0 p50=200.0ms p95=350.0ms p99=350.0ms speedup=1.75x',
      'llm-d (candidate): requests=3 errors=0 p50=90.0ms p95=360.0ms p99=360.0ms speedup=4.00x',
    ]);
  });

  it('improvement is relative to the baseline, positive when faster', () => {
    expect(improvement(200, 50)).toBe(0.75);
    expect(improvement(100, 150)).toBe(-0.5);
    expect(improvement(null, 1)).toBeNull();
  });
});
