import { FieldType, toDataFrame } from '@grafana/data';
import { BASELINE, CANDIDATE } from '../fixtures/figures';
import { allSeries, NOW, seriesFor, tableFrame, tableFrames, timeSeriesFrames } from '../fixtures/frames';
import { DEFAULT_OPTIONS } from '../options';
import { classify, framesToViewModel, samplesFromFrames } from './frames';

const options = DEFAULT_OPTIONS;

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

describe('framesToViewModel from time-series frames (one frame per series, labels on the value field)', () => {
  const model = framesToViewModel({ series: timeSeriesFrames(allSeries()), options });

  it('takes the first target seen as baseline and the second as candidate by default', () => {
    expect(model.state).toBe('ok');
    expect(model.baseline?.name).toBe('vllm-round-robin');
    expect(model.candidate?.name).toBe('llm-d-prefix-aware');
    expect(model.messages).toEqual([]);
  });

  it('reads the latest value of each series, converted to milliseconds', () => {
    const p95 = model.headline.find((r) => r.id === 'p95');
    expect(p95?.baseline).toBeCloseTo(744.71, 6);
    expect(p95?.candidate).toBeCloseTo(271.6, 6);
    expect(p95?.improvement).toEqual({ text: '64% faster', verdict: 'better' });
    const speedup = model.headline.find((r) => r.id === 'cacheSpeedup');
    expect(speedup).toMatchObject({ baseline: 1.79, candidate: 3.84, improvement: { text: '2.1× better', verdict: 'better' } });
  });

  it('lines up TTFT by turn in turn order with the capped bucket last', () => {
    expect(model.turns.map((t) => t.turn)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10+']);
    expect(model.turns[0]?.baselineMs).toBeCloseTo(351.64, 6);
    expect(model.turns[9]?.candidateMs).toBeCloseTo(95.6, 6);
  });

  it('derives first and later turn means from turn 1 and the speedup', () => {
    const [first, later] = model.firstLater;
    expect(first?.baseline).toBeCloseTo(351.64, 6);
    expect(later?.baseline).toBeCloseTo(351.64 / 1.79, 6);
    expect(later?.candidate).toBeCloseTo(361.79 / 3.84, 6);
    expect(later?.improvement?.text).toBe('52% faster');
    expect(first?.improvement).toEqual({ text: '3% slower', verdict: 'neutral' });
  });

  it('collects per-replica figures in replica order, and counts requests by outcome', () => {
    expect(model.candidate?.replicas.map((r) => r.name)).toEqual(['llm-d-0', 'llm-d-1', 'llm-d-2', 'llm-d-3']);
    expect(model.candidate?.replicas[0]).toEqual({
      name: 'llm-d-0',
      up: true,
      hitRatio: 0.91,
      kvUsage: 0.52,
      gpuUtil: 0.49,
      running: null,
      waiting: null,
      probeRequests: 31,
    });
    expect(model.baseline).toMatchObject({ requests: 110, failedRequests: 0, up: true });
    expect(model.candidate).toMatchObject({ requests: 110, failedRequests: 1 });
  });

  it('gives the same figures whatever the order of the frames (names set explicitly)', () => {
    const named = { ...options, baseline: BASELINE.name, candidate: CANDIDATE.name };
    const ordered = framesToViewModel({ series: timeSeriesFrames(allSeries()), options: named });
    for (const seed of [1, 2, 3]) {
      const reordered = framesToViewModel({ series: shuffled(timeSeriesFrames(allSeries()), seed), options: named });
      // Only the list of targets seen keeps the order they came in.
      expect({ ...reordered, targetsSeen: [] }).toEqual({ ...ordered, targetsSeen: [] });
    }
  });
});

describe('framesToViewModel from other shapes Grafana produces', () => {
  const reference = framesToViewModel({ series: timeSeriesFrames(allSeries()), options });

  it('reads the dataplane format (value field named after the metric, no __name__ label)', () => {
    const model = framesToViewModel({ series: timeSeriesFrames(allSeries(), { dataplane: true }), options });
    expect(model.headline).toEqual(reference.headline);
    expect(model.turns).toEqual(reference.turns);
    expect(model.candidate?.replicas).toEqual(reference.candidate?.replicas);
  });

  it('reads instant queries in table format (label columns, "Value #A" columns)', () => {
    const model = framesToViewModel({ series: tableFrames(allSeries()), options });
    expect(model.headline).toEqual(reference.headline);
    expect(model.turns).toEqual(reference.turns);
    expect(model.baseline?.replicas).toEqual(reference.baseline?.replicas);
    expect(model.candidate?.failedRequests).toBe(1);
  });

  it('names a histogram_quantile() result (no __name__) by its legend or refId', () => {
    const frame = (refId: string, legend: string | undefined, target: string, seconds: number) =>
      toDataFrame({
        refId,
        fields: [
          { name: 'Time', type: FieldType.time, values: [NOW] },
          { name: 'Value', type: FieldType.number, values: [seconds], labels: { target }, config: { displayNameFromDS: legend } },
        ],
      });
    const model = framesToViewModel({
      series: [frame('P99', undefined, 'b', 0.5), frame('A', 'P95 {{target}}', 'a', 0.3), frame('A', 'P95 b', 'b', 0.2)],
      options: { ...options, baseline: 'a', candidate: 'b' },
    });
    expect(model.headline.find((r) => r.id === 'p95')).toMatchObject({ baseline: 300, candidate: 200 });
    expect(model.candidate?.ttft.p99).toBe(500);
  });

  it('averages several GPUs of one replica and turns DCGM percent into a ratio', () => {
    const series = toDataFrame({
      refId: 'G',
      fields: [
        { name: 'Time', type: FieldType.time, values: [NOW, NOW] },
        { name: 'target', type: FieldType.string, values: ['a', 'a'] },
        { name: 'pod', type: FieldType.string, values: ['a-0', 'a-0'] },
        { name: 'gpu', type: FieldType.string, values: ['0', '1'] },
        { name: 'Value #G', type: FieldType.number, values: [40, 60] },
      ],
      name: 'DCGM_FI_DEV_GPU_UTIL',
    });
    const model = framesToViewModel({ series: [series], options });
    expect(model.baseline?.replicas).toEqual([expect.objectContaining({ name: 'a-0', gpuUtil: 0.5 })]);
  });

  it('ignores series it does not show, and raw hit counters that only make sense as a rate', () => {
    const samples = samplesFromFrames(
      timeSeriesFrames([
        { metric: 'kvcanary_request_duration_seconds_bucket', labels: { target: 'a', le: '0.5' }, value: 3 },
        { metric: 'kvcanary_replica_prefix_cache_hits_total', labels: { target: 'a', replica: 'r' }, value: 900 },
        { metric: 'kvcanary_build_info', labels: { version: '0.1.0' }, value: 1 },
      ])
    );
    expect(samples.map(classify)).toEqual([null, null, null]);
  });

  it('uses another label to name targets when told to', () => {
    const series = allSeries().map((s) => {
      const { target, ...rest } = s.labels;
      return { ...s, labels: { ...rest, service: `svc-${target}` } };
    });
    const model = framesToViewModel({ series: timeSeriesFrames(series), options: { ...options, targetLabel: 'service' } });
    expect(model.baseline?.name).toBe('svc-vllm-round-robin');
    expect(framesToViewModel({ series: timeSeriesFrames(series), options }).state).toBe('no-data');
  });

  it('reads first/later turn means from recording rules when they exist', () => {
    const model = framesToViewModel({
      series: [
        tableFrame(
          [
            { metric: 'target:kvcanary_ttft_first_turn_seconds:mean5m', labels: { target: 'a' }, value: 0.4 },
            { metric: 'target:kvcanary_ttft_later_turns_seconds:mean5m', labels: { target: 'a' }, value: 0.1 },
            { metric: 'target:kvcanary_ttft_seconds:p95_5m', labels: { target: 'a' }, value: 0.3 },
          ],
          'R'
        ),
      ],
      options,
    });
    expect(model.baseline).toMatchObject({ firstTurnMs: 400, laterTurnsMs: 100, ttft: { p50: null, p95: 300, p99: null } });
  });
});

describe('the recording rules in monitoring/', () => {
  it('reads tails, turn means, speedup and replica figures by their rule names, and ignores the over-baseline ratios', () => {
    const t = { target: 'a' };
    const r = { target: 'a', replica: 'a-0' };
    const model = framesToViewModel({
      series: timeSeriesFrames(
        [
          { metric: 'target:kvcanary_ttft_seconds:p50', labels: t, value: 0.1 },
          { metric: 'target:kvcanary_ttft_seconds:p95', labels: t, value: 0.3 },
          { metric: 'target:kvcanary_ttft_seconds:p95_over_baseline', labels: t, value: 0.5 },
          { metric: 'target:kvcanary_ttft_seconds:p99', labels: t, value: 0.6 },
          { metric: 'target_turn:kvcanary_ttft_seconds:mean', labels: { ...t, turn: '2' }, value: 0.05 },
          { metric: 'target:kvcanary_ttft_seconds:mean_first_turn', labels: t, value: 0.2 },
          { metric: 'target:kvcanary_ttft_seconds:mean_later_turns', labels: t, value: 0.05 },
          { metric: 'target:kvcanary_cache_speedup:ratio', labels: t, value: 4 },
          { metric: 'target:kvcanary_requests:rate', labels: t, value: 0.4 },
          { metric: 'target:kvcanary_replica_prefix_cache_hits:ratio', labels: t, value: 0.9 },
          { metric: 'target_replica:kvcanary_replica_prefix_cache_hits:ratio', labels: r, value: 0.91 },
          { metric: 'target_replica:kvcanary_replica_kv_cache_usage_ratio:avg', labels: r, value: 0.4 },
          { metric: 'target_replica:kvcanary_replica_gpu_utilization_ratio:avg', labels: r, value: 0.7 },
        ],
        { dataplane: true }
      ),
      options,
    });
    expect(model.baseline).toMatchObject({
      ttft: { p50: 100, p95: 300, p99: 600 },
      byTurn: [{ turn: '2', meanMs: 50 }],
      firstTurnMs: 200,
      laterTurnsMs: 50,
      cacheSpeedup: 4,
      requests: null,
      replicas: [{ name: 'a-0', up: null, hitRatio: 0.91, kvUsage: 0.4, gpuUtil: 0.7, running: null, waiting: null, probeRequests: null }],
    });
  });
});

describe('framesToViewModel states', () => {
  it('no data: says which label it looked for', () => {
    const model = framesToViewModel({ series: [], options });
    expect(model.state).toBe('no-data');
    expect(model.messages[0]?.text).toMatch(/no kvcanary series with a "target" label/);
  });

  it('partial: one target missing keeps the other side and says so', () => {
    const model = framesToViewModel({ series: timeSeriesFrames(seriesFor(BASELINE)), options });
    expect(model.state).toBe('partial');
    expect(model.baseline?.name).toBe(BASELINE.name);
    expect(model.candidate).toBeNull();
    expect(model.headline[1]).toMatchObject({ baseline: 744.71, candidate: null, improvement: null });
    expect(model.messages).toEqual([
      { severity: 'warning', text: 'Only one target ("vllm-round-robin") has data; the comparison needs a second.' },
    ]);
  });

  it('partial: a configured candidate with no data is named', () => {
    const model = framesToViewModel({
      series: timeSeriesFrames(allSeries()),
      options: { ...options, baseline: CANDIDATE.name, candidate: 'sglang' },
    });
    expect(model.state).toBe('partial');
    expect(model.baseline?.name).toBe(CANDIDATE.name);
    expect(model.messages[0]?.text).toBe('Candidate "sglang" has no data (targets seen: "vllm-round-robin", "llm-d-prefix-aware").');
  });

  it('error: query errors with no data', () => {
    const model = framesToViewModel({ series: [], errors: [{ refId: 'A', message: 'bad_data: parse error' }], options });
    expect(model.state).toBe('error');
    expect(model.messages).toEqual([{ severity: 'error', text: 'Query A: bad_data: parse error' }]);
  });

  it('error beside data: shows the data and the error', () => {
    const model = framesToViewModel({ series: timeSeriesFrames(allSeries()), errors: [{ message: 'timeout' }], options });
    expect(model.state).toBe('partial');
    expect(model.baseline).not.toBeNull();
    expect(model.messages).toEqual([{ severity: 'error', text: 'timeout' }]);
  });

  it('warns about a target or a replica that is down', () => {
    const series = allSeries().map((s) =>
      s.metric === 'kvcanary_target_up' && s.labels.target === CANDIDATE.name ? { ...s, value: 0 } : s
    );
    series.push({ metric: 'kvcanary_replica_up', labels: { target: BASELINE.name, replica: 'vllm-2' }, value: 0 });
    const texts = framesToViewModel({ series: timeSeriesFrames(series), options }).messages.map((m) => m.text);
    expect(texts).toEqual([
      'vllm-round-robin: replica vllm-2 down.',
      'Target "llm-d-prefix-aware" is down: its last probes failed.',
    ]);
  });
});
