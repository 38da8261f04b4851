import { FIGURE_IDS, exporterMetrics as m, histogramSeries, overBaseline, panelFigures, recorded } from '@kvcanary/contract';
import { BASELINE, CANDIDATE } from '../fixtures/figures';
import { allSeries, joinedTable, querySeries, QuerySeries, seriesFrames, tableFrames } from '../fixtures/frames';
import { DEFAULT_OPTIONS } from '../options';
import { framesToViewModel } from './frames';

const options = DEFAULT_OPTIONS;
const named = { ...options, baseline: BASELINE.name, candidate: CANDIDATE.name };

/** Deterministic shuffle, so "any order of frames" is tested the same way every run. */
function shuffled<T>(items: T[], seed = 7): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** One series, instant: the shape most tests below need. */
const one = (s: Partial<QuerySeries> & Pick<QuerySeries, 'refId' | 'labels' | 'value'>) =>
  seriesFrames([{ name: null, legend: '', ...s }], { points: 'instant' });

const model = (series: ReturnType<typeof seriesFrames>, opts = named) => framesToViewModel({ series, options: opts });
const texts = (series: ReturnType<typeof seriesFrames>) => model(series).messages.map((msg) => msg.text);

describe('framesToViewModel from the overview dashboard (one query per figure, refId = the figure)', () => {
  const view = framesToViewModel({ series: seriesFrames(allSeries()), options });

  it('takes the first target seen as baseline and the second as candidate, with nothing to report', () => {
    expect(view.state).toBe('ok');
    expect([view.baseline?.name, view.candidate?.name]).toEqual([BASELINE.name, CANDIDATE.name]);
    expect(view.messages).toEqual([]);
  });

  it('reads the latest value of each series, latencies in milliseconds', () => {
    const p95 = view.headline.find((r) => r.id === 'p95');
    expect(p95).toMatchObject({ baseline: 744.71, candidate: 271.6, improvement: { text: '64% faster', verdict: 'better' } });
    expect(view.headline.find((r) => r.id === 'p99')).toMatchObject({ baseline: 840.95, candidate: 674.21 });
    expect(view.headline.find((r) => r.id === 'cacheSpeedup')).toMatchObject({ baseline: 1.79, candidate: 3.84 });
    expect(view.firstLater.map((r) => [r.baseline, r.candidate])).toEqual([
      [351.64, 361.79],
      [196.29, 94.22],
    ]);
  });

  it('lines up TTFT by turn in turn order with the capped bucket last', () => {
    expect(view.turns.map((t) => t.turn)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10+']);
    expect(view.turns[0]?.baselineMs).toBeCloseTo(351.64, 9);
    expect(view.turns[9]?.candidateMs).toBeCloseTo(95.6, 9);
  });

  it('collects per-replica figures in replica order, counts requests by outcome, knows up and last success', () => {
    expect(view.candidate?.replicas.map((r) => r.name)).toEqual(['llm-d-0', 'llm-d-1', 'llm-d-2', 'llm-d-3']);
    expect(view.candidate?.replicas[0]).toEqual({
      name: 'llm-d-0',
      up: true,
      hitRatio: 0.91,
      kvUsage: 0.52,
      gpuUtil: 0.49,
      running: 2,
      waiting: 0,
      probeRequests: 31,
      prefixCache: 'enabled',
      prefixCacheNote: null,
      schedulerQueue: 0,
    });
    expect(view.baseline).toMatchObject({ requests: 110, failedRequests: 0, up: true, lastSuccessMs: BASELINE.lastSuccessMs });
    expect(view.candidate).toMatchObject({ requests: 110, failedRequests: 1 });
  });

  it('gives the same figures whatever the order of the frames', () => {
    const ordered = model(seriesFrames(allSeries()));
    for (const seed of [1, 2, 3]) {
      const reordered = model(shuffled(seriesFrames(allSeries()), seed));
      // Only the list of targets seen keeps the order they came in.
      expect({ ...reordered, targetsSeen: [] }).toEqual({ ...ordered, targetsSeen: [] });
    }
  });

  it.each([
    ['instant queries', () => seriesFrames(allSeries(), { points: 'instant' })],
    ['dataplane frames (value field named after the metric, no __name__)', () => seriesFrames(allSeries(), { dataplane: true })],
    ['instant vectors in table format', () => tableFrames(allSeries())],
    ['all queries joined into one table', () => [joinedTable(allSeries())]],
    ['results with no names at all, placed by refId alone', () => seriesFrames(allSeries(undefined, { names: 'none' }))],
    ['a joined table of results with no names', () => [joinedTable(allSeries(undefined, { names: 'none' }))]],
  ])('reads %s the same way', (_, frames) => {
    const reference = model(seriesFrames(allSeries()));
    const other = model(frames());
    expect(other.messages).toEqual([]);
    expect([other.headline, other.firstLater, other.turns]).toEqual([reference.headline, reference.firstLater, reference.turns]);
    expect([other.baseline, other.candidate]).toEqual([reference.baseline, reference.candidate]);
  });
});

describe('what a number is: exact name, else exact refId', () => {
  const t = { target: 'a' };

  it('regression: a recorded P95 whose target and legend say "first" is the P95, not the first-turn mean', () => {
    // As the overview dashboard returned it before the refId convention: refId B, legend "{{target}} P95".
    const p95 = { refId: 'B', name: recorded.ttftP95.name, labels: { target: 'firstparty' }, value: 0.2716, legend: 'firstparty P95' };
    const frames = [...seriesFrames([p95]), ...seriesFrames(querySeries(BASELINE))];
    const view = model(frames, { ...options, baseline: BASELINE.name, candidate: 'firstparty' });
    expect(view.headline.find((r) => r.id === 'p95')?.candidate).toBe(271.6);
    expect(view.candidate).toMatchObject({ firstTurnMs: null, laterTurnsMs: null });
  });

  it('regression: the KV-cache usage of a replica named "whitehit-0" is its usage, not its hit ratio', () => {
    const series = { refId: 'I', name: m.replicaKvCacheUsage.name, labels: { target: 'a', replica: 'whitehit-0' }, value: 0.37 };
    const view = model(seriesFrames([{ ...series, legend: 'a whitehit-0 KV cache usage' }]), options);
    expect(view.baseline?.replicas).toEqual([expect.objectContaining({ name: 'whitehit-0', kvUsage: 0.37, hitRatio: null })]);
  });

  it("reads the exporter's own window gauges by name, whatever the refId", () => {
    const view = model(
      [
        ...one({ refId: 'A', name: m.ttftWindow.name, labels: { ...t, quantile: '0.95' }, value: 0.3 }),
        ...one({ refId: 'A', name: m.ttftWindow.name, labels: { ...t, quantile: '0.5' }, value: 0.1 }),
        ...one({ refId: 'C', name: m.ttftTurnWindow.name, labels: { ...t, turn: '2' }, value: 0.05 }),
        ...one({ refId: 'D', name: m.cacheSpeedup.name, labels: t, value: 4 }),
      ],
      options
    );
    expect(view.messages.map((msg) => msg.text)).toEqual(['Only one target ("a") has data; the comparison needs a second.']);
    expect(view.baseline).toMatchObject({ ttft: { p50: 100, p95: 300, p99: null }, byTurn: [{ turn: '2', meanMs: 50 }], cacheSpeedup: 4 });
  });

  it('places a result with no name by its refId, and never by its legend', () => {
    const view = model(one({ refId: panelFigures.ttftP95.refId, labels: t, value: 0.25, legend: 'a P99 first turn' }), options);
    expect(view.baseline?.ttft).toEqual({ p50: null, p95: 250, p99: null });
    expect(view.baseline?.firstTurnMs).toBeNull();
  });

  it('shows neither when the name and the refId disagree, and says why', () => {
    const frames = one({ refId: 'ttftP50', name: m.ttftWindow.name, labels: { ...t, quantile: '0.95' }, value: 0.3 });
    expect(model(frames).baseline).toBeNull();
    expect(texts(frames)).toEqual([
      'refId ttftP50: series kvcanary_ttft_window_seconds{quantile="0.95"} is ttftP95, not ttftP50; neither is shown',
      expect.stringMatching(/^No data/),
    ]);
  });

  it('ignores kvcanary series it does not show, unless a figure refId claims them', () => {
    const ratio = { name: overBaseline(recorded.ttftP95).name, labels: { target: 'b', baseline: 'a' }, value: 0.36 };
    const bucket = { name: histogramSeries(m.ttft, 'bucket'), labels: { ...t, le: '0.5' }, value: 9 };
    const quiet = [...one({ refId: 'E', ...ratio }), ...one({ refId: 'F', ...bucket })];
    expect(model(quiet)).toMatchObject({ state: 'no-data', baseline: null, candidate: null });
    expect(texts(quiet)).toEqual([expect.stringMatching(/^No data/)]);
    const claimed = one({ refId: 'ttftP95', ...ratio });
    expect(model(claimed).baseline).toBeNull();
    expect(texts(claimed)).toContain('refId ttftP95: series target:kvcanary_ttft_seconds:p95_over_baseline is a kvcanary series but not ttftP95');
  });

  it('reports a query it cannot place, once per refId, naming the refId and why', () => {
    const frames = [
      ...one({ refId: 'G', name: 'DCGM_FI_DEV_GPU_UTIL', labels: { ...t, pod: 'a-0', gpu: '0' }, value: 40 }),
      ...one({ refId: 'G', name: 'DCGM_FI_DEV_GPU_UTIL', labels: { ...t, pod: 'a-0', gpu: '1' }, value: 60 }),
      ...one({ refId: 'H', labels: t, value: 0.3, legend: 'P95' }),
    ];
    expect(texts(frames)).toEqual([
      'refId G: series DCGM_FI_DEV_GPU_UTIL is not a kvcanary figure (2 series not shown)',
      `refId H: no __name__ and refId is not one of ${FIGURE_IDS.map((id) => panelFigures[id].refId).join(', ')}`,
      expect.stringMatching(/^No data/),
    ]);
  });

  it('needs the labels a figure is about: target, replica, turn, outcome', () => {
    const frames = [
      ...one({ refId: 'replicaKvUsage', labels: { ...t, pod: 'a-0' }, value: 0.4 }),
      ...one({ refId: 'ttftByTurn', labels: t, value: 0.2 }),
      ...one({ refId: 'requests', labels: t, value: 12 }),
      ...one({ refId: 'ttftP95', labels: { service: 'a' }, value: 0.3 }),
    ];
    expect(texts(frames)).toEqual([
      'refId replicaKvUsage: replicaKvUsage is per replica and has no "replica" label',
      'refId ttftByTurn: ttftByTurn needs the "turn" label',
      'refId requests: requests needs the "outcome" label',
      "refId ttftP95: ttftP95 has no \"target\" label (the panel's Target label option)",
      expect.stringMatching(/^No data/),
    ]);
  });

  it('prefers the recorded series to the window gauge, and shows neither of two equal-rank copies', () => {
    const p95 = [
      ...one({ refId: 'A', name: m.ttftWindow.name, labels: { ...t, quantile: '0.95' }, value: 0.3 }),
      ...one({ refId: 'B', name: recorded.ttftP95.name, labels: t, value: 0.25 }),
    ];
    const copies = [
      ...one({ refId: 'ttftP99', labels: { ...t, instance: 'exporter-1' }, value: 0.6 }),
      ...one({ refId: 'ttftP99', labels: { ...t, instance: 'exporter-2' }, value: 0.7 }),
    ];
    const view = model([...p95, ...copies], options);
    expect(view.baseline?.ttft).toEqual({ p50: null, p95: 250, p99: null });
    expect(view.messages.map((msg) => msg.text)).toContain(
      'refId ttftP99: several series give ttftP99 of target "a"; aggregate them in the query (2 series not shown)'
    );
  });

  it('places a figure recorded across exporters once, whatever the copies of the raw gauges from each vantage', () => {
    const fromEach = (vantage: string, p95: number, speedup: number) => [
      ...one({ refId: 'ttftP95', name: m.ttftWindow.name, labels: { ...t, vantage, quantile: '0.95' }, value: p95 }),
      ...one({ refId: 'cacheSpeedup', name: m.cacheSpeedup.name, labels: { ...t, vantage }, value: speedup }),
    ];
    const acrossExporters = [
      ...one({ refId: 'ttftP95', name: recorded.ttftP95.name, labels: t, value: 0.28 }),
      ...one({ refId: 'cacheSpeedup', name: recorded.cacheSpeedup.name, labels: t, value: 3.5 }),
    ];
    const view = model([...fromEach('east', 0.3, 3.4), ...fromEach('west', 0.26, 3.6), ...acrossExporters], options);
    expect([view.baseline?.ttft.p95, view.headline.find((r) => r.id === 'cacheSpeedup')?.baseline]).toEqual([280, 3.5]);
    // Nothing about duplicates: the only note is that this fixture has one target.
    expect(view.messages.map((msg) => msg.text)).toEqual(['Only one target ("a") has data; the comparison needs a second.']);
  });

  it('shows counts from increase() whole: requests, tokens and probes per replica', () => {
    const view = model(
      [
        ...one({ refId: 'requests', labels: { ...t, outcome: 'success' }, value: 109.62 }),
        ...one({ refId: 'promptTokens', labels: t, value: 5120.4 }),
        ...one({ refId: 'replicaProbeRequests', labels: { ...t, replica: 'r-0' }, value: 27.224 }),
      ],
      options
    );
    expect(view.baseline).toMatchObject({ requests: 110, tokens: expect.objectContaining({ prompt: 5120 }) });
    expect(view.baseline?.replicas).toEqual([expect.objectContaining({ name: 'r-0', probeRequests: 27 })]);
  });

  it('converts by the contract unit only: seconds to ms, timestamps to epoch ms, ratios and counts as they are', () => {
    const r = { ...t, replica: 'ms-east' };
    const view = model(
      [
        ...one({ refId: 'lastSuccess', labels: t, value: 1748779198 }),
        ...one({ refId: 'ttftFirstTurn', labels: t, value: 0.5, legend: 'ms' }),
        // A GPU figure above 1 is a wrong query, not percent: the panel shows what it was given.
        ...one({ refId: 'replicaGpu', labels: { ...r, gpu: '0' }, value: 40 }),
        ...one({ refId: 'replicaRunning', labels: r, value: 3 }),
      ],
      options
    );
    expect(view.baseline).toMatchObject({ lastSuccessMs: 1748779198000, firstTurnMs: 500 });
    expect(view.baseline?.replicas).toEqual([expect.objectContaining({ name: 'ms-east', gpuUtil: 40, running: 3 })]);
  });

  it("averages a replica's GPUs, and takes the recorded per-replica average as it is", () => {
    const perGpu = (value: number, gpu: number) =>
      one({ refId: 'replicaGpu', name: m.replicaGpuUtilization.name, labels: { ...t, replica: 'r0', gpu: String(gpu) }, value });
    const gpus = [0.4, 0.6].map(perGpu);
    const averaged = one({ refId: 'replicaGpu', name: recorded.replicaGpuUtilization.name, labels: { ...t, replica: 'r1' }, value: 0.7 });
    const view = model([...gpus.flat(), ...averaged], options);
    expect(view.baseline?.replicas.map((r) => [r.name, r.gpuUtil])).toEqual([
      ['r0', 0.5],
      ['r1', 0.7],
    ]);
  });

  it('derives first and later turn means from turn 1 and the speedup when no query gives them', () => {
    const series = allSeries().filter((s) => s.refId !== 'ttftFirstTurn' && s.refId !== 'ttftLaterTurns');
    const [first, later] = model(seriesFrames(series)).firstLater;
    expect(first).toMatchObject({ baseline: 351.64, candidate: 361.79 });
    expect(later?.baseline).toBeCloseTo(351.64 / 1.79, 9);
    expect(later?.candidate).toBeCloseTo(361.79 / 3.84, 9);
  });

  it('names targets by another label when told to', () => {
    const series = allSeries().map((s) => {
      const { target, ...rest } = s.labels;
      return { ...s, labels: { ...rest, service: `svc-${target ?? ''}` } };
    });
    const view = framesToViewModel({ series: seriesFrames(series), options: { ...options, targetLabel: 'service' } });
    expect([view.baseline?.name, view.messages]).toEqual([`svc-${BASELINE.name}`, []]);
    expect(framesToViewModel({ series: seriesFrames(series), options }).state).toBe('no-data');
  });
});

describe('framesToViewModel states', () => {
  it('no data: says which label it looked for', () => {
    const view = framesToViewModel({ series: [], options });
    expect(view.state).toBe('no-data');
    expect(view.messages[0]?.text).toMatch(/no kvcanary series with a "target" label/);
  });

  it('partial: one target missing keeps the other side and says so', () => {
    const view = framesToViewModel({ series: seriesFrames(querySeries(BASELINE)), options });
    expect(view.state).toBe('partial');
    expect(view.baseline?.name).toBe(BASELINE.name);
    expect(view.candidate).toBeNull();
    expect(view.headline[1]).toMatchObject({ baseline: 744.71, candidate: null, improvement: null });
    expect(view.messages).toEqual([
      { severity: 'warning', text: 'Only one target ("vllm-round-robin") has data; the comparison needs a second.' },
    ]);
  });

  it('partial: a configured candidate with no data is named', () => {
    const view = model(seriesFrames(allSeries()), { ...options, baseline: CANDIDATE.name, candidate: 'sglang' });
    expect(view.state).toBe('partial');
    expect(view.baseline?.name).toBe(CANDIDATE.name);
    expect(view.messages[0]?.text).toBe('Candidate "sglang" has no data (targets seen: "vllm-round-robin", "llm-d-prefix-aware").');
  });

  it('error: query errors with no data', () => {
    const view = framesToViewModel({ series: [], errors: [{ refId: 'A', message: 'bad_data: parse error' }], options });
    expect(view.state).toBe('error');
    expect(view.messages).toEqual([{ severity: 'error', text: 'Query A: bad_data: parse error' }]);
  });

  it('error beside data: shows the data and the error', () => {
    const view = framesToViewModel({ series: seriesFrames(allSeries()), errors: [{ message: 'timeout' }], options });
    expect(view.state).toBe('partial');
    expect(view.baseline).not.toBeNull();
    expect(view.messages).toEqual([{ severity: 'error', text: 'timeout' }]);
  });

  it('warns about a target or a replica that is down', () => {
    const series = allSeries().map((s) =>
      (s.refId === 'targetUp' && s.labels.target === CANDIDATE.name) || (s.refId === 'replicaUp' && s.labels.replica === 'vllm-2')
        ? { ...s, value: 0 }
        : s
    );
    expect(model(seriesFrames(series), options).messages.map((msg) => msg.text)).toEqual([
      'vllm-round-robin: replica vllm-2 down.',
      'Target "llm-d-prefix-aware" is down: its last probes failed.',
    ]);
  });
});
