import type { ReplicaFigures } from '@kvcanary/contract/schemas';
import type { ReplicaSnapshot } from '../replicas/index.js';

type SnapshotOverrides = Partial<Omit<ReplicaSnapshot, 'figures'>> & { figures?: Partial<ReplicaFigures> };

/** A replica that is up, with one GPU; tests override only the figures they are about. */
export function upReplica(name: string, overrides: SnapshotOverrides = {}): ReplicaSnapshot {
  const { figures, ...rest } = overrides;
  return {
    figures: {
      name,
      up: true,
      prefixCacheHitRatio: 0.5,
      prefixCache: 'enabled',
      prefixCacheNote: null,
      kvCacheUsage: 0.2,
      running: 1,
      waiting: 0,
      gpuUtilization: 0.4,
      probeRequests: 0,
      engineTtftMeanMs: 80,
      schedulerQueue: null,
      ...figures,
    },
    prefixCacheCounters: { hits: 10, queries: 20 },
    gpus: [{ gpu: '0', utilization: 0.4 }],
    phaseTotals: { ttft: { seconds: 4, requests: 50 } },
    phaseWindow: { ttft: { seconds: 4, requests: 50 } },
    preemptions: 0,
    ...rest,
  };
}

/** A replica whose last scrape failed: no figures, no GPUs. */
export function downReplica(name: string, probeRequests = 0): ReplicaSnapshot {
  return {
    figures: {
      name,
      up: false,
      prefixCacheHitRatio: null,
      prefixCache: 'unknown',
      prefixCacheNote: 'replica down: HTTP 503',
      kvCacheUsage: null,
      running: null,
      waiting: null,
      gpuUtilization: null,
      probeRequests,
      engineTtftMeanMs: null,
      schedulerQueue: null,
    },
    prefixCacheCounters: null,
    gpus: [],
    phaseTotals: {},
    phaseWindow: {},
    preemptions: null,
  };
}
