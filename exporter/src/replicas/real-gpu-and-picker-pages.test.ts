import { afterEach, describe, expect, it } from '@jest/globals';
import type { SchedulerView } from '@kvcanary/contract/schemas';
import { parseExposition } from './exposition-parser.js';
import { gpuReadings } from './dcgm.js';
import { readPickerPage } from './endpoint-picker.js';
import type { Replica, ReplicaSnapshot } from './types.js';
import { pageServer, testMonitor } from '../test-support/replica-harness.js';
import { recordingLogger } from '../test-support/recording-logger.js';
import { realPage } from '../test-support/real-samples.js';
import { vllmV1 } from '../test-support/replica-pages.js';

/**
 * The real DCGM exporter and endpoint picker pages of exporter/testdata/real/pages (provenance and
 * facts: SOURCES.md there), served as published beside replicas named like their pods: the figures
 * asserted are what /api/v1/summary and /metrics show for those replicas, derived from the pages.
 */
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

interface Scraped {
  replicas: Record<string, ReplicaSnapshot>;
  scheduler: SchedulerView | null;
  log: ReturnType<typeof recordingLogger>;
}

/** Replicas named `pods` (each serving an ordinary vLLM page), with a DCGM or picker page beside them; `scrapes` cycles. */
async function scrapeWith(options: { pods: readonly (string | { name: string; namespace: string })[]; dcgm?: string; picker?: string; scrapes?: number }): Promise<Scraped> {
  const server = await pageServer({
    '/replica': () => vllmV1({ hits: 0, queries: 0 }),
    ...(options.dcgm !== undefined ? { '/dcgm': () => options.dcgm ?? '' } : {}),
    ...(options.picker !== undefined ? { '/picker': () => options.picker ?? '' } : {}),
  });
  cleanups.push(() => server.close());
  const listed: Replica[] = options.pods.map((p) => (typeof p === 'string' ? { name: p, metricsUrl: `${server.url}/replica` } : { ...p, metricsUrl: `${server.url}/replica` }));
  const log = recordingLogger();
  const monitor = testMonitor(
    { list: () => Promise.resolve(listed) },
    {
      logger: log,
      ...(options.dcgm !== undefined ? { dcgmUrl: `${server.url}/dcgm` } : {}),
      ...(options.picker !== undefined ? { endpointPickerUrl: `${server.url}/picker` } : {}),
    },
  );
  cleanups.push(() => monitor.stop());
  for (let i = 0; i < (options.scrapes ?? 1); i++) await monitor.scrapeOnce();
  return { replicas: Object.fromEntries(monitor.snapshot().map((r) => [r.figures.name, r])), scheduler: monitor.scheduler(), log };
}

const warnings = (s: Scraped) => s.log.lines.filter((l) => l.level === 'warn').map((l) => l.msg);
const NO_POD_MAPPING =
  'DCGM GPUs carry no pod label (pod/pod_name empty or absent: dcgm-exporter runs without its Kubernetes pod mapping); GPU utilisation cannot be matched to replicas';

describe('real DCGM exporter pages', () => {
  it('dcgm-gpu-monitoring-tools-138-empty-pod: GPU_UTIL 44 % with pod="" belongs to no replica, said once', async () => {
    const page = realPage('dcgm-gpu-monitoring-tools-138-empty-pod.prom');
    expect(gpuReadings(parseExposition(page).samples)).toEqual([{ pod: null, namespace: null, gpu: '0', utilization: 0.44 }]);
    const s = await scrapeWith({ pods: ['vllm-0'], dcgm: page, scrapes: 3 });
    expect(s.replicas['vllm-0']?.gpus).toEqual([]);
    expect(s.replicas['vllm-0']?.figures.gpuUtilization).toBeNull();
    expect(warnings(s)).toEqual([NO_POD_MAPPING]);
  });

  it('dcgm-exporter-68-mig-profiling-empty-pod: GR_ENGINE_ACTIVE is already 0-1 (38.11 %, not 0.38 %) and the MIG instance is its own GPU', () => {
    const page = realPage('dcgm-exporter-68-mig-profiling-empty-pod.prom');
    // DCGM_FI_PROF_PIPE_TENSOR_ACTIVE beside it is not utilisation and is not read.
    expect(gpuReadings(parseExposition(page).samples)).toEqual([{ pod: null, namespace: null, gpu: '0-mig1', utilization: 0.381124 }]);
  });

  it('dcgm-dra-driver-166-mig-no-pod-labels: three MIG instances of GPU 0 stay apart; no pod label at all', async () => {
    const page = realPage('dcgm-dra-driver-166-mig-no-pod-labels.prom');
    expect(gpuReadings(parseExposition(page).samples).map((g) => [g.gpu, g.utilization, g.pod])).toEqual([
      ['0-mig8', 0.029399, null],
      ['0-mig9', 0.033893, null],
      ['0-mig10', 0, null],
    ]);
    const s = await scrapeWith({ pods: ['vllm-0'], dcgm: page });
    expect(warnings(s)).toEqual([NO_POD_MAPPING]);
  });

  it('dcgm-exporter-272-pod-name-labels-mig: the older pod_name/pod_namespace labels and lower-case name map GPU 4 to its pod', async () => {
    const page = realPage('dcgm-exporter-272-pod-name-labels-mig.prom');
    const s = await scrapeWith({ pods: [{ name: 'd85np-t6mdg', namespace: 'ai-1' }, 'other-pod'], dcgm: page });
    // 0.008246 => 0.82 %; GPU 3's MIG instance has pod_name="" and goes to no one.
    expect(s.replicas['d85np-t6mdg']?.gpus).toEqual([{ gpu: '4', utilization: 0.008246 }]);
    expect(s.replicas['other-pod']?.gpus).toEqual([]);
    // Some GPUs are mapped: the page has a pod mapping, so no warning.
    expect(warnings(s)).toEqual([]);
  });

  it('dcgm-exporter-272-pod-name-labels-mig: a pod of the same name in another namespace is not that pod', async () => {
    const s = await scrapeWith({ pods: [{ name: 'd85np-t6mdg', namespace: 'ai-2' }], dcgm: realPage('dcgm-exporter-272-pod-name-labels-mig.prom') });
    expect(s.replicas['d85np-t6mdg']?.gpus).toEqual([]);
  });

  it('dcgm-exporter-readme-kubernetes-empty-pod: the "..." lines make the page unreadable; the failure is logged, not the blank sentinel read', async () => {
    const s = await scrapeWith({ pods: ['vllm-0'], dcgm: realPage('dcgm-exporter-readme-kubernetes-empty-pod.prom'), scrapes: 2 });
    expect(s.replicas['vllm-0']?.gpus).toEqual([]);
    expect(s.log.lines.filter((l) => l.msg === 'DCGM exporter scrape failed').map((l) => l.fields.reason)).toEqual([
      'malformed exposition (2 bad lines; line 7: metric name expected)',
    ]);
  });
});

describe('when a GPU has both utilisation fields (synthetic: no published page has both; built from the two real formats)', () => {
  it('takes GR_ENGINE_ACTIVE, since GPU_UTIL is the coarser field NVIDIA calls outdated', () => {
    const both = [
      'DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-a",pod="vllm-0",namespace="llm"} 100',
      'DCGM_FI_PROF_GR_ENGINE_ACTIVE{gpu="0",UUID="GPU-a",pod="vllm-0",namespace="llm"} 0.62',
    ].join('\n');
    expect(gpuReadings(parseExposition(both).samples)).toEqual([{ pod: 'vllm-0', namespace: 'llm', gpu: '0', utilization: 0.62 }]);
  });
});

describe('real endpoint picker pages', () => {
  it('gie-epp-ngf-two-pods-inference-model: each pod has the queue the picker sees, beside its own figures', async () => {
    const pods = ['expensive-llm-sim-b9c8f95b5-npffl', 'expensive-llm-sim-b9c8f95b5-tgl48'];
    const s = await scrapeWith({ pods, picker: realPage('gie-epp-ngf-two-pods-inference-model.prom') });
    for (const pod of pods) {
      // The picker sees 0 waiting; the pod's own page (test-support vllmV1) says 2 waiting: a stale picture shows.
      expect(s.replicas[pod]?.figures).toMatchObject({ schedulerQueue: 0, waiting: 2 });
    }
    // Pool averages 0 KV and 0 queue; inference_model_running_requests 0.
    expect(s.scheduler).toEqual({ up: true, kvCacheUsage: 0, averageQueueSize: 0, requestsRunning: 0 });
    expect(warnings(s)).toEqual([]);
  });

  it('gie-epp-kv-cache-avg and gie-epp-queue-avg-size: the pool means (30 % KV, 0.4 waiting), no per-pod figure', () => {
    expect(readPickerPage(parseExposition(realPage('gie-epp-kv-cache-avg.prom')).samples).pool.kvCacheUsage).toBe(0.3);
    const queue = readPickerPage(parseExposition(realPage('gie-epp-queue-avg-size.prom')).samples);
    expect(queue.pool.averageQueueSize).toBe(0.4);
    expect(queue.queueByPod.size).toBe(0);
  });

  it('llmd-router-per-pod-queue-size: pod1-rank-0 is data-parallel rank 0 of pod1, which has 100 waiting', async () => {
    const s = await scrapeWith({ pods: ['pod1', 'pod2'], picker: realPage('llmd-router-per-pod-queue-size.prom') });
    expect(s.replicas.pod1?.figures.schedulerQueue).toBe(100);
    // The picker does not list pod2: unknown, not 0.
    expect(s.replicas.pod2?.figures.schedulerQueue).toBeNull();
  });

  it('llmd-router-per-endpoint-queue-size: the newer name reads the same 100', () => {
    expect(readPickerPage(parseExposition(realPage('llmd-router-per-endpoint-queue-size.prom')).samples).queueByPod).toEqual(new Map([['pod1', 100]]));
  });

  it('both generations on one page (the two real test strings served together, as llm-d dual-emits): one queue of 100, not 200', () => {
    const both = realPage('llmd-router-per-pod-queue-size.prom') + realPage('llmd-router-per-endpoint-queue-size.prom');
    expect(readPickerPage(parseExposition(both).samples).queueByPod).toEqual(new Map([['pod1', 100]]));
  });

  it('llmd-router-running-requests: m1 1 + m2 1 = 2 requests in flight through the picker', () => {
    expect(readPickerPage(parseExposition(realPage('llmd-router-running-requests.prom')).samples).pool.requestsRunning).toBe(2);
  });

  it('llmd-router-std-dev-kv-cache-malformed: the broken fixture is no figure, and the picker is reported down', async () => {
    const s = await scrapeWith({ pods: ['pod1'], picker: realPage('llmd-router-std-dev-kv-cache-malformed.prom') });
    expect(s.scheduler).toEqual({ up: false, kvCacheUsage: null, averageQueueSize: null, requestsRunning: null });
    expect(s.replicas.pod1?.figures.schedulerQueue).toBeNull();
    expect(s.log.lines.find((l) => l.msg === 'endpoint picker scrape failed')?.fields.reason).toBe(
      'malformed exposition (1 bad lines; line 3: unterminated value of label name)',
    );
  });

  it.each(['gie-epp-request-total-inference-model.prom', 'llmd-router-request-total.prom', 'llmd-inference-scheduler-pd-decision.prom'])(
    '%s: request and decision counts say nothing about a pod: no figures, and one warning naming what was expected',
    async (file) => {
      const s = await scrapeWith({ pods: ['pod1'], picker: realPage(file), scrapes: 2 });
      expect(s.scheduler).toEqual({ up: true, kvCacheUsage: null, averageQueueSize: null, requestsRunning: null });
      const unread = s.log.lines.filter((l) => l.level === 'warn');
      expect(unread.map((l) => l.msg)).toEqual(['endpoint picker page carries none of the scheduler metrics kvcanary reads']);
      expect(unread[0]?.fields.expected).toContain('llm_d_epp_per_endpoint_queue_size');
    },
  );
});
