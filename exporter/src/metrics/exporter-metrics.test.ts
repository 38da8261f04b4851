import { describe, expect, it } from '@jest/globals';
import { Gauge, Registry, openMetricsContentType, type OpenMetricsContentType } from 'prom-client';
import { MODEL_LOOKUP_ERROR, OUTCOMES, UNKNOWN_MODEL, exporterMetrics } from '@kvcanary/contract';
import type { RequestRecord, Summary } from '@kvcanary/contract/schemas';
import { summarize } from '../stats/summarize.js';
import type { TargetReplicas } from '../replicas/index.js';
import { measuredRecord as record } from '../test-support/records.js';
import { downReplica, upReplica } from '../test-support/replica-snapshots.js';
import { ExporterMetrics, wantsOpenMetrics } from './exporter-metrics.js';
import { openMetricsToText } from '../test-support/openmetrics-text.js';
import { renderProbe } from './probe-metrics.js';

/** Value of one sample line, found by name and a label subset. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    return Number(line.replace(/ # .*$/, '').split(' ').at(-1));
  }
  return undefined;
}

function setup(replicas: TargetReplicas[] = []) {
  const records: RequestRecord[] = [
    record({ turn: 1, ttftMs: 300 }),
    record({ turn: 2, ttftMs: 100 }),
    record({ turn: 3, ttftMs: 50, replica: 'pod-1' }),
    record({ turn: 12, ttftMs: 50, docType: 'TEXT' }),
    record({ turn: 4, outcome: 'timeout', ttftMs: undefined, replica: undefined }),
  ];
  let summaries: Summary[] = [];
  const metrics = new ExporterMetrics({
    version: '0.1.0-test',
    vantage: 'default',
    turnCap: 10,
    defaultMetrics: true,
    sources: { windowSummaries: () => summaries, replicas: () => replicas },
  });
  metrics.setTargets(
    [
      { name: 'vllm', role: 'baseline', model: 'm' },
      { name: 'llm-d', role: 'candidate', model: null },
    ],
    '0123456789ab',
  );
  for (const r of records) metrics.observeRequest(r, 'm');
  summaries = [summarize(records, { target: 'vllm', model: 'm', elapsedSeconds: 60, conversationsPlanned: 0, turnCap: 10 })];
  return metrics;
}

const replicas: TargetReplicas = {
  target: 'vllm',
  replicas: [
    upReplica('pod-0', {
      figures: { prefixCacheHitRatio: 0.75, gpuUtilization: 0.5, probeRequests: 3, schedulerQueue: 4 },
      prefixCacheCounters: { hits: 300, queries: 400 },
      gpus: [{ gpu: '0', utilization: 0.5 }],
      phaseTotals: { ttft: { seconds: 12.5, requests: 100 }, queue: { seconds: 2, requests: 100 } },
      preemptions: 3,
    }),
    downReplica('pod-1', 1),
    // Prefix caching off (vLLM V0, hit rate -1): it says so, and has no ratio and no counters.
    upReplica('pod-2', { figures: { prefixCacheHitRatio: null, prefixCache: 'disabled' }, prefixCacheCounters: null, phaseTotals: {}, preemptions: null }),
  ],
  probeRequests: new Map([
    ['pod-0', 3],
    ['pod-1', 1],
    ['other', 2],
  ]),
  engine: null,
  scheduler: { up: true, kvCacheUsage: 0.3, averageQueueSize: null, requestsRunning: 2 },
};

const OPENMETRICS = 'application/openmetrics-text;version=1.0.0';

describe('ExporterMetrics', () => {
  it('exports every contract family with the measured values', async () => {
    const { body, contentType } = await setup([replicas]).render('text/plain');
    expect(contentType).toMatch(/^text\/plain; version=0.0.4/);
    expect(sample(body, 'kvcanary_requests_total', { outcome: 'success' })).toBe(4);
    expect(sample(body, 'kvcanary_requests_total', { outcome: 'timeout' })).toBe(1);
    expect(sample(body, 'kvcanary_requests_total', { outcome: 'cancelled' })).toBe(0);
    expect(sample(body, 'kvcanary_ttft_seconds_count', { turn: '10+', doc_type: 'TEXT' })).toBe(1);
    expect(sample(body, 'kvcanary_ttft_seconds_bucket', { turn: '1', le: '0.3' })).toBe(1);
    expect(sample(body, 'kvcanary_ttft_seconds_bucket', { turn: '1', le: '0.25' })).toBe(0);
    expect(sample(body, 'kvcanary_ttft_window_seconds', { quantile: '0.5' })).toBe(0.1);
    expect(sample(body, 'kvcanary_ttft_turn_window_seconds', { turn: '10+' })).toBe(0.05);
    expect(sample(body, 'kvcanary_cache_speedup_ratio', { target: 'vllm' })).toBeCloseTo(300 / ((100 + 50 + 50) / 3));
    expect(sample(body, 'kvcanary_turn_affinity_ratio', { target: 'vllm' })).toBe(0.5);
    expect(sample(body, 'kvcanary_prompt_tokens_total')).toBe(500);
    expect(sample(body, 'kvcanary_cached_prompt_tokens_total')).toBe(80);
    expect(sample(body, 'kvcanary_replica_probe_requests_total', { replica: 'pod-0' })).toBe(3);
    expect(sample(body, 'kvcanary_replica_probe_requests_total', { replica: 'other' })).toBe(2);
    expect(sample(body, 'kvcanary_replica_up', { replica: 'pod-1' })).toBe(0);
    expect(sample(body, 'kvcanary_replica_prefix_cache_hit_ratio', { replica: 'pod-1' })).toBeUndefined();
    expect(sample(body, 'kvcanary_replica_prefix_cache_hits_total', { replica: 'pod-0' })).toBe(300);
    expect(sample(body, 'kvcanary_replica_gpu_utilization_ratio', { gpu: '0' })).toBe(0.5);
    expect(sample(body, 'kvcanary_replica_prefix_cache_enabled', { replica: 'pod-0' })).toBe(1);
    expect(sample(body, 'kvcanary_replica_prefix_cache_enabled', { replica: 'pod-1' })).toBeUndefined();
    expect(sample(body, 'kvcanary_replica_prefix_cache_enabled', { replica: 'pod-2' })).toBe(0);
    expect(sample(body, 'kvcanary_replica_prefix_cache_hit_ratio', { replica: 'pod-2' })).toBeUndefined();
    expect(sample(body, 'kvcanary_replica_prefix_cache_hits_total', { replica: 'pod-2' })).toBeUndefined();
    expect(sample(body, 'kvcanary_replica_engine_phase_seconds_total', { replica: 'pod-0', phase: 'ttft' })).toBe(12.5);
    expect(sample(body, 'kvcanary_replica_engine_phase_requests_total', { replica: 'pod-0', phase: 'queue' })).toBe(100);
    expect(sample(body, 'kvcanary_replica_engine_phase_seconds_total', { phase: 'prefill' })).toBeUndefined();
    expect(sample(body, 'kvcanary_replica_preemptions_total', { replica: 'pod-0' })).toBe(3);
    expect(sample(body, 'kvcanary_replica_preemptions_total', { replica: 'pod-2' })).toBeUndefined();
    expect(sample(body, 'kvcanary_replica_scheduler_queue_size', { replica: 'pod-0' })).toBe(4);
    expect(sample(body, 'kvcanary_scheduler_up', { target: 'vllm' })).toBe(1);
    expect(sample(body, 'kvcanary_scheduler_kv_cache_usage_ratio', { target: 'vllm' })).toBe(0.3);
    expect(sample(body, 'kvcanary_scheduler_average_queue_size')).toBeUndefined();
    expect(sample(body, 'kvcanary_scheduler_requests_running', { target: 'vllm' })).toBe(2);
    expect(sample(body, 'kvcanary_time_to_first_content_seconds_count', { target: 'vllm' })).toBe(4);
    expect(sample(body, 'kvcanary_target_info', { target: 'llm-d', role: 'candidate', workload: '0123456789ab' })).toBe(1);
    expect(sample(body, 'kvcanary_target_up', { target: 'vllm' })).toBe(0); // declared down until the runtime says otherwise
    expect(sample(body, 'kvcanary_last_success_timestamp_seconds', { target: 'vllm' })).toBe(1_700_000_002);
    expect(sample(body, 'kvcanary_build_info', { version: '0.1.0-test' })).toBe(1);
    expect(body).toContain('process_cpu_seconds_total');
    expect(body).not.toContain('# {conversation_id');
  });

  it('has no cached-token series for a target that never reported cached tokens, and one at 0 for a target that reported 0', async () => {
    const metrics = setup();
    metrics.modelDiscovered('llm-d', 'm');
    metrics.observeRequest(record({ target: 'llm-d', cachedTokens: undefined }), 'm');
    const before = (await metrics.render(undefined)).body;
    expect(sample(before, 'kvcanary_prompt_tokens_total', { target: 'llm-d' })).toBe(100);
    expect(sample(before, 'kvcanary_cached_prompt_tokens_total', { target: 'llm-d' })).toBeUndefined();
    metrics.observeRequest(record({ target: 'llm-d', cachedTokens: 0 }), 'm');
    expect(sample((await metrics.render(undefined)).body, 'kvcanary_cached_prompt_tokens_total', { target: 'llm-d' })).toBe(0);
  });

  it('observes time to first content apart from TTFT when reasoning came first', async () => {
    const metrics = setup();
    // A reasoning model: thinking from 200 ms, the answer's first content at 2.4 s.
    metrics.observeRequest(record({ target: 'llm-d', ttftMs: 200, ttfcMs: 2400 }), 'm');
    const body = (await metrics.render(undefined)).body;
    expect(sample(body, 'kvcanary_ttft_seconds_sum', { target: 'llm-d' })).toBe(0.2);
    expect(sample(body, 'kvcanary_time_to_first_content_seconds_sum', { target: 'llm-d' })).toBe(2.4);
  });

  it("has every target's request series from the start, its failed model lookups counted, and one model's worth once known", async () => {
    const metrics = setup();
    const series = (body: string, target: string): string[] =>
      body.split('\n').filter((l) => l.startsWith(`kvcanary_requests_total{target="${target}"`)).map((l) => l.replace(/ [^ ]+$/, ''));
    const before = (await metrics.render(undefined)).body;
    expect(series(before, 'llm-d')).toHaveLength(OUTCOMES.length);
    expect(sample(before, 'kvcanary_requests_total', { target: 'llm-d', model: UNKNOWN_MODEL, outcome: 'success' })).toBe(0);
    metrics.observeModelLookupFailure('llm-d');
    metrics.observeModelLookupFailure('llm-d');
    const failing = (await metrics.render(undefined)).body;
    expect(sample(failing, 'kvcanary_requests_total', { target: 'llm-d', model: UNKNOWN_MODEL, outcome: MODEL_LOOKUP_ERROR })).toBe(2);
    metrics.modelDiscovered('llm-d', 'qwen');
    const known = (await metrics.render(undefined)).body;
    expect(series(known, 'llm-d')).toEqual(OUTCOMES.map((o) => `kvcanary_requests_total{target="llm-d",model="qwen",outcome="${o}",vantage="default"}`));
    expect(known).not.toContain(`model="${UNKNOWN_MODEL}"`);
    // A conversation cannot end in a model lookup error, so it has no such series.
    expect(sample(known, 'kvcanary_conversations_total', { target: 'llm-d', outcome: MODEL_LOOKUP_ERROR })).toBeUndefined();
    expect(sample(known, 'kvcanary_conversations_total', { target: 'llm-d', outcome: 'timeout' })).toBe(0);
  });

  it('reports target_up as the runtime sets it', async () => {
    const metrics = setup();
    metrics.setTargetUp('vllm', true);
    expect(sample((await metrics.render(undefined)).body, 'kvcanary_target_up', { target: 'vllm' })).toBe(1);
    metrics.setTargetUp('vllm', false);
    expect(sample((await metrics.render(undefined)).body, 'kvcanary_target_up', { target: 'vllm' })).toBe(0);
  });

  it('carries conversation-id exemplars only in OpenMetrics', async () => {
    const metrics = setup();
    const { body, contentType } = await metrics.render('application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5');
    expect(contentType).toMatch(/^application\/openmetrics-text/);
    const line = body.split('\n').find((l) => l.startsWith('kvcanary_ttft_seconds_bucket{le="0.3"') && l.includes('turn="1"'));
    expect(line).toMatch(/\} 1 # \{conversation_id="vllm\/1"\} 0.3 \d+(\.\d+)?$/);
    expect(body).toMatch(/# EOF\n$/);
    expect(body).toContain('# TYPE kvcanary_requests counter');
    // The text rendering of the same registry is unharmed by an OpenMetrics scrape before it.
    expect((await metrics.render(undefined)).body).toContain('# TYPE kvcanary_requests_total counter');
  });

  it("writes, one family at a time, exactly what prom-client's own render writes, before and after it", async () => {
    const metrics = new ExporterMetrics({ version: '0.1.0-test', vantage: 'default', turnCap: 10, defaultMetrics: false, sources: { windowSummaries: () => [], replicas: () => [replicas] } });
    metrics.setTargets([{ name: 'vllm', role: 'baseline', model: 'm' }], '0123456789ab');
    metrics.observeRequest(record({ turn: 1, ttftMs: 300 }), 'm');
    const first = (await metrics.render(OPENMETRICS)).body;
    const whole = await metrics.registry.metrics();
    expect(first).toBe(whole);
    expect((await metrics.render(OPENMETRICS)).body).toBe(whole);
    expect((await metrics.render(undefined)).body).toBe(openMetricsToText(whole));
  });

  it('writes the same bytes as prom-client for label values that need escaping, odd values, and replicas that come and go', async () => {
    // Quote, backslash and newline in every kind of label value: targets (and so exemplars), replicas, GPUs.
    const odd = 'a"b\\c\nd';
    const records = [record({ target: odd, turn: 1, ttftMs: 300, conversation: 7 }), record({ target: odd, turn: 2, ttftMs: 100 })];
    const windows = [summarize(records, { target: odd, model: 'm', elapsedSeconds: 60, conversationsPlanned: 0, turnCap: 10 })];
    const oddReplica = upReplica(`pod-${odd}`, {
      figures: { kvCacheUsage: Number.NaN, running: Number.POSITIVE_INFINITY, waiting: Number.NEGATIVE_INFINITY, schedulerQueue: 2 },
      gpus: [
        { gpu: `gpu-${odd}`, utilization: 0.25 },
        { gpu: '1', utilization: Number.NaN },
      ],
      phaseTotals: { ttft: { seconds: 1.5, requests: 10 }, queue: { seconds: Number.POSITIVE_INFINITY, requests: 3 }, prefill: { seconds: 0.5, requests: 10 } },
      preemptions: 1,
    });
    const source: TargetReplicas[] = [
      { target: odd, replicas: [oddReplica, downReplica('pod-1', 1)], probeRequests: new Map([[`pod-${odd}`, 2], ['other', 1]]), engine: null, scheduler: { up: false, kvCacheUsage: Number.NaN, averageQueueSize: 1, requestsRunning: null } },
      replicas,
    ];
    const metrics = new ExporterMetrics({ version: odd, vantage: `east-${odd}`, turnCap: 10, defaultMetrics: false, sources: { windowSummaries: () => windows, replicas: () => source } });
    metrics.setTargets([{ name: odd, role: 'candidate', model: odd }, { name: 'vllm', role: 'baseline', model: 'm' }], '0123456789ab');
    for (const r of records) metrics.observeRequest(r, odd);
    const same = async (): Promise<string> => {
      const om = (await metrics.render(OPENMETRICS)).body;
      const reference = await metrics.registry.metrics();
      expect(om).toBe(reference);
      expect((await metrics.render(undefined)).body).toBe(openMetricsToText(reference));
      return om;
    };

    const before = await same();
    expect(before).toContain(`replica="pod-a\\"b\\\\c\\nd"`);
    expect(before).toContain('kvcanary_replica_kv_cache_usage_ratio{target="a\\"b\\\\c\\nd",replica="pod-a\\"b\\\\c\\nd",vantage="east-a\\"b\\\\c\\nd"} Nan');
    expect(before).toContain('# {conversation_id="a\\"b\\\\c\\nd/7"} 0.3');
    // A replica leaves, another comes, a GPU goes, a phase appears: each render still matches.
    source[0] = { ...source[0]!, replicas: [upReplica('pod-new', { phaseTotals: { prefill: { seconds: 2, requests: 4 } } })], probeRequests: new Map([['pod-new', 1]]) };
    source[1] = { ...replicas, replicas: [upReplica('pod-0', { gpus: [] }), ...replicas.replicas.slice(1)] };
    const after = await same();
    expect(after).not.toContain(`pod-${odd.slice(0, 1)}`);
    expect(after).toContain('kvcanary_replica_engine_phase_seconds_total{target="a\\"b\\\\c\\nd",replica="pod-new",phase="prefill"');
    // And back: the series that left return with the same text.
    source[0] = { ...source[0], replicas: [oddReplica] };
    expect(await same()).toContain('kvcanary_replica_requests_running{target="a\\"b\\\\c\\nd",replica="pod-a\\"b\\\\c\\nd",vantage="east-a\\"b\\\\c\\nd"} +Inf\n');
  });

  it('writes a replica family as a plain prom-client gauge holding the same values writes it', async () => {
    const metrics = new ExporterMetrics({ version: 'v', vantage: 'default', turnCap: 10, defaultMetrics: false, sources: { windowSummaries: () => [], replicas: () => [replicas] } });
    const reference = new Registry<OpenMetricsContentType>();
    reference.setContentType(openMetricsContentType);
    reference.setDefaultLabels({ vantage: 'default' });
    const definition = exporterMetrics.replicaPrefixCacheHitRatio;
    const g = new Gauge({ name: definition.name, help: definition.help, labelNames: definition.labels, registers: [reference] });
    for (const r of replicas.replicas) if (r.figures.prefixCacheHitRatio !== null) g.set({ target: 'vllm', replica: r.figures.name }, r.figures.prefixCacheHitRatio);
    const family = (text: string): string[] => text.split('\n').filter((l) => l.includes(definition.name));
    expect(family((await metrics.render(OPENMETRICS)).body)).toEqual(family(await reference.metrics()));
  });

  it('reads the replicas and the windows once per render, and afresh at the next', async () => {
    let replicaReads = 0;
    let windowReads = 0;
    const metrics = new ExporterMetrics({
      version: 'v',
      vantage: 'default',
      turnCap: 10,
      sources: {
        windowSummaries: () => (windowReads++, []),
        replicas: () => (replicaReads++, [replicas]),
      },
    });
    await metrics.render(undefined);
    expect([replicaReads, windowReads]).toEqual([1, 1]);
    await metrics.render(OPENMETRICS);
    expect([replicaReads, windowReads]).toEqual([2, 2]);
  });

  it('lets the event loop run between families while it renders', async () => {
    const metrics = setup([replicas]);
    let turns = 0;
    let rendering = true;
    const tick = (): void => {
      turns++;
      if (rendering) setImmediate(tick);
    };
    setImmediate(tick);
    await metrics.render(undefined);
    rendering = false;
    // Far more turns than one: the loop ran between families, not once after the whole render.
    expect(turns).toBeGreaterThan(10);
  });

  it('drops the series of a replica its source no longer lists at the next render, with nothing else to call', async () => {
    const source = [replicas];
    const metrics = setup(source);
    const before = (await metrics.render(undefined)).body;
    expect(sample(before, 'kvcanary_replica_up', { replica: 'pod-1' })).toBe(0);
    source[0] = { ...replicas, replicas: replicas.replicas.slice(0, 1), probeRequests: new Map([['pod-0', 3]]) };
    const after = (await metrics.render(undefined)).body;
    expect(sample(after, 'kvcanary_replica_up', { replica: 'pod-1' })).toBeUndefined();
    expect(sample(after, 'kvcanary_replica_probe_requests_total', { replica: 'pod-1' })).toBeUndefined();
    expect(sample(after, 'kvcanary_replica_prefix_cache_hits_total', { replica: 'pod-0' })).toBe(300);
  });
});

describe('content negotiation', () => {
  it.each([
    [undefined, false],
    ['text/plain;version=0.0.4', false],
    ['application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1', true],
    ['application/openmetrics-text; version=1.0.0; charset=utf-8', true],
    ['application/openmetrics-text;version=0.0.1', false],
  ])('%p -> OpenMetrics %p', (accept, om) => expect(wantsOpenMetrics(accept)).toBe(om));

  it('converts OpenMetrics to text without touching quoted label values', () => {
    const om = '# HELP a_b x\n# TYPE a_b counter\na_b_total{l="v # {q}"} 2 # {id="1"} 1 123\n# EOF\n';
    expect(openMetricsToText(om)).toBe('# HELP a_b_total x\n# TYPE a_b_total counter\na_b_total{l="v # {q}"} 2\n');
  });
});

describe('/probe registry', () => {
  it('reports a failed probe as success 0 and a good one with its turns', async () => {
    const bad = await renderProbe({ target: 't', records: [], durationSeconds: 0.1, error: 'connect refused' }, 10, 'default');
    expect(sample(bad.body, 'kvcanary_probe_success')).toBe(0);
    const good = await renderProbe({ target: 't', records: [record({ turn: 1, ttftMs: 300 }), record({ turn: 2, ttftMs: 100 })], durationSeconds: 3 }, 10, 'default');
    expect(sample(good.body, 'kvcanary_probe_success')).toBe(1);
    expect(sample(good.body, 'kvcanary_probe_ttft_seconds', { turn: '2' })).toBe(0.1);
    expect(sample(good.body, 'kvcanary_probe_cache_speedup_ratio')).toBe(3);
    expect(sample(good.body, 'kvcanary_probe_turn_affinity_ratio')).toBe(1);
  });
});
