import type { Clock } from '../util/clock.js';
import { DEFAULT_ENGINE_CONFIG, checkEngineConfig, type EngineConfig } from './engine-config.js';
import { faultsSchema, type Faults } from './faults.js';
import { GATEWAY_COSTS, defaultGateway, type GatewayCosts, type GatewayName } from './gateway.js';
import { startReplica, type Replica } from './replica.js';
import { startRouter, type Router } from './router.js';
import type { PolicyName } from './router-policy.js';

export interface ClusterOptions extends Partial<Omit<EngineConfig, 'model' | 'seed'>>, Partial<GatewayCosts> {
  /** Number of replicas (default 4). */
  replicas?: number;
  /** Routing policy (default prefix-aware). */
  router?: PolicyName;
  /**
   * What stands in front of the replicas, with its default costs (the fields of GatewayCosts
   * override them): default inference-gateway for a prefix-aware router, a Kubernetes Service for
   * the others. It stays when the policy is switched at run time, as a deployment would.
   */
  gateway?: GatewayName;
  /** Prefix of replica names: `vllm` gives vllm-0, vllm-1, ... (default sim). */
  name?: string;
  /** Interface for every server (default 127.0.0.1). */
  host?: string;
  /** Router port (default 0: a free port). Replicas always take free ports. */
  port?: number;
  model?: string;
  seed?: number;
  /** Kubernetes-style namespace in the DCGM labels (default kvcanary-sim). */
  namespace?: string;
  /** How often the router scrapes replica KV usage (default 1000 ms of simulated time, at least 100 ms). */
  scrapeIntervalMs?: number;
  clock?: Clock;
}

export interface Cluster {
  /** Base URL of the OpenAI-compatible API behind the router, ending in /v1. */
  routerUrl: string;
  /** Replicas by name; each serves /v1, /metrics, /health and /sim/faults at `url`. */
  replicas: { name: string; url: string }[];
  /** What stands in front of the replicas; it does not change with the policy. */
  gateway: GatewayName;
  policy(): PolicyName;
  setPolicy(name: PolicyName): void;
  /** Replace a replica's faults; fields left out are healthy (an empty object heals). */
  setFaults(replica: string, faults: Partial<Faults>): void;
  close(): Promise<void>;
}

/** Start replicas behind a router, all on free loopback ports so clusters side by side never collide. */
export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  const {
    replicas: count = 4, router: policy = 'prefix-aware', name = 'sim', host = '127.0.0.1', port = 0, namespace, scrapeIntervalMs, clock,
    gateway = defaultGateway(policy), proxyMs, pickerMs, pickerMsPerKib, ...engineOpts
  } = opts;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`replicas must be a positive integer, got ${count}`);
  const costs: GatewayCosts = { ...GATEWAY_COSTS[gateway], ...definedOnly({ proxyMs, pickerMs, pickerMsPerKib }) };
  for (const [k, v] of Object.entries(costs)) if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`${k} must be a number >= 0, got ${v}`);
  const base: EngineConfig = { ...DEFAULT_ENGINE_CONFIG, ...definedOnly(engineOpts) };
  const problem = checkEngineConfig(base);
  if (problem !== undefined) throw new RangeError(problem);

  const started: Replica[] = [];
  let router: Router | undefined;
  try {
    for (let i = 0; i < count; i++) {
      // One seed for all: the same prompt gets the same answer on any replica (greedy decoding), so
      // two clusters fed the same script see the same conversations whatever the routing.
      started.push(await startReplica({ name: `${name}-${i}`, host, engine: base, ...(namespace ? { namespace } : {}), ...(clock ? { clock } : {}) }));
    }
    router = await startRouter({
      policy, model: base.model, seed: base.seed, host, port,
      replicas: started.map((r) => ({ name: r.name, url: r.url })),
      gateway: costs, timeScale: base.timeScale, scrapeIntervalMs: scrapeIntervalMs ?? Math.max(100, 1000 * base.timeScale),
      ...(clock ? { clock } : {}),
    });
  } catch (err) {
    await Promise.all(started.map((r) => r.close()));
    throw err;
  }
  const r = router;
  return {
    routerUrl: `${r.url}/v1`,
    replicas: started.map((x) => ({ name: x.name, url: x.url })),
    gateway,
    policy: () => r.policy(),
    setPolicy: (p) => r.setPolicy(p),
    setFaults: (replica, faults) => {
      const target = started.find((x) => x.name === replica);
      if (target === undefined) throw new RangeError(`no replica named ${replica}`);
      target.setFaults(faultsSchema.parse(faults));
    },
    close: async () => {
      await r.close();
      await Promise.all(started.map((x) => x.close()));
    },
  };
}

/** The fields that were given: an explicit undefined never overrides a default. */
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
