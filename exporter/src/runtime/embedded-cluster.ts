import type { Config } from '../config/schema.js';
import { startCluster, type Cluster } from '../sim/cluster.js';

/**
 * The embedded default: two simulated clusters that share nothing, the same replica count and engine,
 * one behind a round-robin router (what a Kubernetes Service in front of vLLM does: `vllm`, the
 * baseline) and one behind a prefix-aware router (llm-d's scheduler: `llm-d`, the candidate). The
 * config that comes back probes both and scrapes every replica's /metrics (which also serves the
 * DCGM-style GPU figure), so every metric of the contract (contract/src/metrics.ts) is populated with
 * no GPU and no config.
 */
export interface EmbeddedClusters {
  config: Config;
  clusters: { name: string; cluster: Cluster }[];
  close(): Promise<void>;
}

const CLUSTERS = [
  { name: 'vllm', router: 'round-robin', role: 'baseline' },
  { name: 'llm-d', router: 'prefix-aware', role: 'candidate' },
] as const;

export async function startEmbeddedClusters(base: Config): Promise<EmbeddedClusters> {
  const sim = base.simulation ?? { replicas: 4, speed: 1 };
  const started: { name: string; cluster: Cluster }[] = [];
  try {
    for (const c of CLUSTERS) {
      const cluster = await startCluster({
        name: c.name,
        router: c.router,
        replicas: sim.replicas,
        timeScale: 1 / sim.speed,
        ...(sim.seed !== undefined ? { seed: sim.seed } : {}),
        // The routers' own view of replica load follows simulated time too.
        scrapeIntervalMs: Math.max(100, Math.round(1000 / sim.speed)),
      });
      started.push({ name: c.name, cluster });
    }
  } catch (err) {
    await Promise.all(started.map((s) => s.cluster.close()));
    throw err;
  }
  const config: Config = {
    ...base,
    simulation: undefined,
    targets: started.map(({ name, cluster }, i) => ({
      name,
      url: cluster.routerUrl,
      role: CLUSTERS[i]?.role,
      keepAlive: false,
      headers: {},
      tls: { insecureSkipVerify: false },
      replicaHeader: 'x-inference-pod',
      replicas: { static: cluster.replicas.map((r) => ({ name: r.name, url: `${r.url}/metrics` })) },
    })),
  };
  return { config, clusters: started, close: async () => void (await Promise.all(started.map((s) => s.cluster.close()))) };
}
