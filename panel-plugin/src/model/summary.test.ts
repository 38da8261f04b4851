import { summaryResponseSchema } from '@kvcanary/contract/schemas';
import page from '../../fixtures/summary.json';
import fromExporterRun from '../../fixtures/summary-recorded.json';
import { allSeries, seriesFrames } from '../fixtures/frames';
import { DEFAULT_OPTIONS } from '../options';
import { framesToViewModel } from './frames';
import { parseSummary, summaryToViewModel } from './summary';

const response = parseSummary(page, 'fixtures/summary.json');

describe('the summary fixtures and the contract', () => {
  it.each([
    ['the standalone page fixture', page],
    ['the summary recorded from a real exporter run', fromExporterRun],
  ])('%s is a valid /api/v1/summary body', (_, body) => {
    expect(summaryResponseSchema.safeParse(body).error?.issues ?? []).toEqual([]);
  });

  it('refuses a body that does not match, naming the field', () => {
    const [first] = response.targets;
    const ttft = { ...first?.summary.ttft, p95: '745' };
    const wrong = { ...response, targets: [{ ...first, summary: { ...first?.summary, ttft } }] };
    expect(() => parseSummary(wrong, './api/v1/summary')).toThrow(
      './api/v1/summary does not match the summary schema: targets.0.summary.ttft.p95: Invalid input: expected number, received string'
    );
    expect(() => parseSummary({ targets: [] }, 'x')).toThrow(
      'x does not match the summary schema: generatedAt: Invalid input: expected string, received undefined (and 2 more problems)'
    );
  });
});

describe('summaryToViewModel', () => {
  const model = summaryToViewModel({ response, options: DEFAULT_OPTIONS });

  it('shows the same comparison as the panel does from Prometheus frames', () => {
    const fromFrames = framesToViewModel({ series: seriesFrames(allSeries()), options: DEFAULT_OPTIONS });
    // The figures and the way they moved; only the summary knows the intervals (and so the noise), tested below.
    const round = (rows: typeof model.headline) =>
      rows.map((r) => ({ id: r.id, baseline: r.baseline?.toFixed(6), candidate: r.candidate?.toFixed(6), change: r.improvement?.text }));
    expect(round(model.headline)).toEqual(round(fromFrames.headline));
    expect(fromFrames.baseline?.ci95).toBeNull();
    for (const r of [...fromFrames.headline, ...fromFrames.firstLater]) {
      expect([r.baselineCi, r.candidateCi, r.improvement?.withinNoise]).toEqual([null, null, undefined]);
    }
    expect(model.turns.map((t) => t.turn)).toEqual(fromFrames.turns.map((t) => t.turn));
    expect(model.candidate?.replicas).toEqual(fromFrames.candidate?.replicas);
    expect(model.firstLater).toEqual(fromFrames.firstLater);
  });

  it('takes baseline and candidate from the roles the exporter gives, whatever their order', () => {
    const reversed = { ...response, targets: [...response.targets].reverse() };
    const m = summaryToViewModel({ response: reversed, options: DEFAULT_OPTIONS });
    expect([m.baseline?.name, m.candidate?.name]).toEqual(['vllm-round-robin', 'llm-d-prefix-aware']);
    expect(m.firstLater[1]).toMatchObject({ baseline: 196.29, candidate: 94.22, improvement: { text: '52% faster' } });
  });

  it('carries the 95% intervals of each headline figure onto both sides', () => {
    expect(model.baseline?.ci95).toEqual({ p50: [118.4, 131.9], p95: [701.2, 790.3], p99: [802.5, 871], cacheSpeedup: [1.66, 1.93] });
    expect(model.headline.map((r) => [r.id, r.baselineCi, r.candidateCi])).toEqual([
      ['p50', [118.4, 131.9], [88.7, 96.1]],
      ['p95', [701.2, 790.3], [249.8, 301.4]],
      ['p99', [802.5, 871], [611.9, 818.6]],
      ['cacheSpeedup', [1.66, 1.93], [3.51, 4.12]],
    ]);
    // The summary has no intervals for the turn means.
    expect(model.firstLater.map((r) => [r.baselineCi, r.candidateCi])).toEqual([
      [null, null],
      [null, null],
    ]);
  });

  it('calls a change within noise (neutral) when the intervals overlap, and keeps the verdict when they do not', () => {
    const byId = (id: string) => model.headline.find((r) => r.id === id)?.improvement;
    // P99: 841 ms [802.5–871] vs 674 ms [611.9–818.6] overlap, so 20% faster is not told apart from noise.
    expect(byId('p99')).toEqual({ text: '20% faster', verdict: 'neutral', withinNoise: true });
    expect(byId('p95')).toEqual({ text: '64% faster', verdict: 'better' });
    expect(byId('cacheSpeedup')).toEqual({ text: '2.1× better', verdict: 'better' });
  });

  it('shows no interval where the exporter has none, and then calls nothing within noise', () => {
    const [first, second] = response.targets;
    const none = { p50: null, p95: null, p99: null, cacheSpeedup: null };
    const targets = [first, second].map((t) => (t === undefined ? t : { ...t, ci95: none }));
    const m = summaryToViewModel({ response: parseSummary({ ...response, targets }, 'test'), options: DEFAULT_OPTIONS });
    expect(m.headline.map((r) => [r.baselineCi, r.candidateCi])).toEqual(m.headline.map(() => [null, null]));
    expect(m.headline.find((r) => r.id === 'p99')?.improvement).toEqual({ text: '20% faster', verdict: 'better' });
  });

  it('shows where TTFT goes: the canary mean, the engines\' own, and the rest, which the page works out', () => {
    // vllm-round-robin: 333.82 ms at the client, 180 ms in the engines => 153.82 ms outside; llm-d: 139.88 - 70 = 69.88.
    expect(model.ttftSplit.map((r) => [r.id, r.baseline, r.candidate])).toEqual([
      ['ttftMean', 333.82, 139.88],
      ['engineTtft', 180, 70],
      ['engineQueue', 35, 8],
      ['enginePrefill', 120, 45],
      ['outsideEngine', expect.closeTo(153.82, 6), expect.closeTo(69.88, 6)],
    ]);
    expect(model.candidate?.replicas.map((r) => r.schedulerQueue)).toEqual([0, 1, 0, 2]);
  });

  it('has no split when no replica reports its own timings', () => {
    const targets = response.targets.map((t) => ({ ...t, engine: null }));
    expect(summaryToViewModel({ response: { ...response, targets }, options: DEFAULT_OPTIONS }).ttftSplit).toEqual([]);
  });

  it('keeps "prefix caching off" and "cached tokens not reported" apart from 0', () => {
    const [first, second] = response.targets;
    if (!first || !second) throw new Error('fixture has two targets');
    const off = { ...first.replicas[0], prefixCache: 'disabled', prefixCacheHitRatio: null, prefixCacheNote: 'prefix caching is off (vllm:gpu_prefix_cache_hit_rate is -1)' };
    const silent = { ...first, summary: { ...first.summary, tokens: { ...first.summary.tokens, cached: null } }, replicas: [off, ...first.replicas.slice(1)] };
    const m = summaryToViewModel({ response: parseSummary({ ...response, targets: [silent, second] }, 'test'), options: DEFAULT_OPTIONS });
    expect(m.baseline?.tokens).toEqual({ prompt: 1210000, cached: null });
    expect(m.baseline?.replicas[0]).toMatchObject({ prefixCache: 'disabled', hitRatio: null, prefixCacheNote: 'prefix caching is off (vllm:gpu_prefix_cache_hit_rate is -1)' });
    expect(m.candidate?.tokens).toEqual({ prompt: 1210000, cached: 1080000 });
  });

  it('counts failed requests and keeps the time of the last success', () => {
    expect(model.candidate).toMatchObject({ requests: 110, failedRequests: 1, lastSuccessMs: Date.parse('2025-06-01T11:59:58Z') });
  });

  it('waits for the first answer, then keeps the last good one beside a fetch error', () => {
    expect(summaryToViewModel({ response: null, options: DEFAULT_OPTIONS })).toMatchObject({
      state: 'no-data',
      messages: [{ severity: 'info', text: 'Waiting for the first summary from the exporter…' }],
    });
    const failing = summaryToViewModel({ response, error: 'Cannot read the summary: HTTP 503', options: DEFAULT_OPTIONS });
    expect(failing.state).toBe('partial');
    expect(failing.baseline?.name).toBe('vllm-round-robin');
    expect(summaryToViewModel({ response: { ...response, targets: [] }, options: DEFAULT_OPTIONS }).messages[0]?.text).toBe(
      'No data yet: the exporter has no probe results in its window.'
    );
  });
});
