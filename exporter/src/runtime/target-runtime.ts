import type { Role } from '@kvcanary/contract';
import type { RequestRecord } from '@kvcanary/contract/schemas';
import { createChatClient, type ChatClient } from '../client/chat-client.js';
import type { Config, TargetConfig } from '../config/schema.js';
import { ProbeCounts, createKubernetesSource, createReplicaMonitor, createStaticSource, type ReplicaMonitor, type TargetReplicas } from '../replicas/index.js';
import type { Scraper } from '../replicas/scraper.js';
import type { Logger } from '../util/logger.js';
import { SlidingWindow } from '../stats/window.js';
import type { Clock } from '../util/clock.js';

/** Everything the exporter holds for one target while it runs. */
export interface TargetRuntime {
  name: string;
  role: Role | null;
  /** Resolved from the config or GET /models; null until known. */
  model: string | null;
  client: ChatClient;
  window: SlidingWindow<RequestRecord>;
  monitor: ReplicaMonitor | null;
  /** Probe requests per replica from the response header, bounded per target. */
  probes: ProbeCounts;
  /** Conversations /probe has run against this target: the next one is the plan's conversation of that number. */
  onDemandProbes: number;
  /** A request has finished (any outcome), or the model lookup failed: the target has been tried. */
  tried: boolean;
  lastSuccessMs: number | null;
  /** The last finished request succeeded (cancelled ones do not count): kvcanary_target_up. */
  up: boolean;
  /** The first failed turn's outcome per conversation in progress (bounded by conversations in flight). */
  firstFailure: Map<number, RequestRecord['outcome']>;
}

export interface RuntimeDeps {
  config: Config;
  /** Per target: the Authorization header (apiKeyEnv / apiKeyFile) and the CA bundle (tls.caFile). */
  secrets: (target: string) => { authorization?: string; ca?: string } | undefined;
  clock: Clock;
  logger: Logger;
  /** Where replica pages are fetched and parsed (the exporter's worker thread). */
  scraper: Scraper;
}

export function createTargetRuntime(t: TargetConfig, deps: RuntimeDeps): TargetRuntime {
  const { config, clock, logger } = deps;
  const { authorization, ca } = deps.secrets(t.name) ?? {};
  const client = createChatClient({
    baseUrl: t.url,
    headers: { ...t.headers, ...(authorization ? { authorization } : {}) },
    keepAlive: t.keepAlive,
    replicaHeader: t.replicaHeader,
    insecureSkipVerify: t.tls.insecureSkipVerify,
    ...(ca ? { ca } : {}),
  });
  const probes = new ProbeCounts(config.replicaScrape.maxReplicas);
  let monitor: ReplicaMonitor | null = null;
  const r = t.replicas;
  const k8s = r?.kubernetes;
  if (r && (r.static || k8s)) {
    const scrape = config.replicaScrape;
    const source = r.static
      ? createStaticSource(r.static)
      : createKubernetesSource({
          namespace: k8s?.namespace ?? '',
          labelSelector: k8s?.labelSelector ?? '',
          port: k8s?.port ?? 8000,
          path: k8s?.path ?? '/metrics',
          relistIntervalMs: scrape.interval,
          timeoutMs: scrape.timeout,
          clock,
          logger,
        });
    monitor = createReplicaMonitor({
      target: t.name,
      source,
      ...(r.dcgm ? { dcgmUrl: r.dcgm.url } : {}),
      intervalMs: scrape.interval,
      timeoutMs: scrape.timeout,
      maxBodyBytes: scrape.maxBodyBytes,
      maxReplicas: scrape.maxReplicas,
      clock,
      logger,
      probes,
      scraper: deps.scraper,
    });
  }
  return {
    name: t.name,
    role: t.role ?? null,
    model: t.model ?? null,
    client,
    window: new SlidingWindow<RequestRecord>({ maxAgeMs: config.window.duration, maxRecords: config.window.maxRequests, clock }),
    monitor,
    probes,
    onDemandProbes: 0,
    tried: false,
    lastSuccessMs: null,
    up: false,
    firstFailure: new Map(),
  };
}

/** The target's replicas as the metrics and the summary read them: one snapshot, one set of probe counts. */
export function replicasOf(t: TargetRuntime): TargetReplicas {
  return { target: t.name, replicas: t.monitor?.snapshot() ?? [], probeRequests: t.probes.snapshot() };
}

/**
 * The model to probe: configured, or the first id of GET /models, retried until the target answers
 * (a target that is down at start is reported as down, never fatal). Resolves null when stopped.
 */
export async function resolveModel(rt: TargetRuntime, deps: { clock: Clock; logger: Logger; signal: AbortSignal; retryMs: number }): Promise<string | null> {
  let warned = false;
  while (rt.model === null && !deps.signal.aborted) {
    try {
      const [first] = await rt.client.listModels();
      if (first !== undefined) {
        rt.model = first;
        deps.logger.info({ target: rt.name, model: first }, 'model discovered');
        break;
      }
      throw new Error('the /models list is empty');
    } catch (err) {
      rt.tried = true;
      if (!warned) deps.logger.warn({ target: rt.name, err: err instanceof Error ? err.message : String(err) }, 'cannot discover the model yet; retrying');
      warned = true;
      await deps.clock.sleep(deps.retryMs, deps.signal);
    }
  }
  return rt.model;
}
