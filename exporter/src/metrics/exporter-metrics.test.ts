import { describe, expect, it } from '@jest/globals';
import { MODEL_LOOKUP_ERROR, OUTCOMES, UNKNOWN_MODEL } from '@kvcanary/contract';
import type { RequestRecord, Summary } from '@kvcanary/contract/schemas';
import { summarize } from '../stats/summarize.js';
import type { TargetReplicas } from '../replicas/index.js';
import { measuredRecord as record } from '../test-support/records.js';
import { downReplica, upReplica } from '../test-support/replica-snapshots.js';
import { ExporterMetrics, wantsOpenMetrics } from './exporter-metrics.js';
import { openMetricsToText } from './openmetrics-text.js';
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
    turnCap: 10,
    defaultMetrics: true,
    sources: { windowSummaries: () => summaries, replicas: () => replicas },
  });
  metrics.setTargets([
    { name: 'vllm', role: 'baseline', model: 'm' },
    { name: 'llm-d', role: 'candidate', model: null },
  ]);
  for (const r of records) metrics.observeRequest(r, 'm');
  summaries = [summarize(records, { target: 'vllm', model: 'm', elapsedSeconds: 60, conversationsPlanned: 0, turnCap: 10 })];
  return metrics;
}

const replicas: TargetReplicas = {
  target: 'vllm',
  replicas: [
    upReplica('pod-0', { figures: { prefixCacheHitRatio: 0.75, gpuUtilization: 0.5, probeRequests: 3 }, prefixCacheHits: 300, prefixCacheQueries: 400, gpus: [{ gpu: '0', utilization: 0.5 }] }),
    downReplica('pod-1', 1),
  ],
  probeRequests: new Map([
    ['pod-0', 3],
    ['pod-1', 1],
    ['other', 2],
  ]),
};

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
    expect(sample(body, 'kvcanary_target_info', { target: 'llm-d', role: 'candidate' })).toBe(1);
    expect(sample(body, 'kvcanary_target_up', { target: 'vllm' })).toBe(0); // declared down until the runtime says otherwise
    expect(sample(body, 'kvcanary_last_success_timestamp_seconds', { target: 'vllm' })).toBe(1_700_000_002);
    expect(sample(body, 'kvcanary_build_info', { version: '0.1.0-test' })).toBe(1);
    expect(body).toContain('process_cpu_seconds_total');
    expect(body).not.toContain('# {conversation_id');
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
    expect(series(known, 'llm-d')).toEqual(OUTCOMES.map((o) => `kvcanary_requests_total{target="llm-d",model="qwen",outcome="${o}"}`));
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
    const bad = await renderProbe({ target: 't', records: [], durationSeconds: 0.1, error: 'connect refused' }, 10);
    expect(sample(bad.body, 'kvcanary_probe_success')).toBe(0);
    const good = await renderProbe({ target: 't', records: [record({ turn: 1, ttftMs: 300 }), record({ turn: 2, ttftMs: 100 })], durationSeconds: 3 }, 10);
    expect(sample(good.body, 'kvcanary_probe_success')).toBe(1);
    expect(sample(good.body, 'kvcanary_probe_ttft_seconds', { turn: '2' })).toBe(0.1);
    expect(sample(good.body, 'kvcanary_probe_cache_speedup_ratio')).toBe(3);
    expect(sample(good.body, 'kvcanary_probe_turn_affinity_ratio')).toBe(1);
  });
});
