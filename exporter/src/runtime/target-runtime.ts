import type { Role } from '@kvcanary/contract';
import type { RequestRecord } from '@kvcanary/contract/schemas';
import { createChatClient, type ChatClient } from '../client/chat-client.js';
import type { Config, TargetConfig } from '../config/schema.js';
import type { SecretRead, TargetSecrets } from '../config/secrets.js';
import { ProbeCounts, createKubernetesSource, createReplicaMonitor, createStaticSource, type ReplicaMonitor, type TargetReplicas } from '../replicas/index.js';
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
  /** Replaces the client by one that sends this API key (found after start-up). */
  connect(apiKey: string): void;
  /** Reads the target's API key again; null when it needs none. */
  apiKey: (() => SecretRead) | null;
  /** Why no request is sent to the target at all (its API key is missing), naming the field; null while it is probed. */
  problem: string | null;
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
  /** Per target: the API key (apiKeyEnv / apiKeyFile) and the CA bundle (tls.caFile). */
  secrets: (target: string) => TargetSecrets | undefined;
  clock: Clock;
  logger: Logger;
}

export function createTargetRuntime(t: TargetConfig, deps: RuntimeDeps): TargetRuntime {
  const { config, clock, logger } = deps;
  const { apiKey = null, ca } = deps.secrets(t.name) ?? {};
  const clientWith = (key: string | undefined): ChatClient =>
    createChatClient({
      baseUrl: t.url,
      headers: { ...t.headers, ...(key ? { authorization: `Bearer ${key}` } : {}) },
      keepAlive: t.keepAlive,
      replicaHeader: t.replicaHeader,
      insecureSkipVerify: t.tls.insecureSkipVerify,
      ...(ca ? { ca } : {}),
    });
  const first = apiKey?.();
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
    });
  }
  const runtime: TargetRuntime = {
    name: t.name,
    role: t.role ?? null,
    model: t.model ?? null,
    client: clientWith(first && 'value' in first ? first.value : undefined),
    connect(key) {
      // Nothing is in flight on the old client: a target without its key sends nothing.
      void runtime.client.close();
      runtime.client = clientWith(key);
    },
    apiKey,
    problem: first && 'problem' in first ? first.problem : null,
    window: new SlidingWindow<RequestRecord>({ maxAgeMs: config.window.duration, maxRecords: config.window.maxRequests, clock }),
    monitor,
    probes,
    onDemandProbes: 0,
    tried: false,
    lastSuccessMs: null,
    up: false,
    firstFailure: new Map(),
  };
  return runtime;
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

/**
 * Resolves true once the target's API key can be read (at once when it needs none or had it at
 * start-up), false when stopped first. Until then nothing is sent to the target: it is tried and down,
 * `problem` names the missing field, and every read that fails counts one request that could not be
 * sent (`countUnsent`). The key is read again every `rereadMs`, so a Secret file that the kubelet
 * mounts later is picked up without a restart. One error line when the target starts without its key,
 * one info line when the key is found; neither carries the key.
 */
export async function awaitApiKey(
  rt: TargetRuntime,
  deps: { clock: Clock; logger: Logger; signal: AbortSignal; rereadMs: number; countUnsent: () => void },
): Promise<boolean> {
  if (rt.problem === null) return true;
  deps.logger.error(
    { target: rt.name, missing: rt.problem },
    `target not probed: its API key is missing; reading it again every ${deps.rereadMs / 1000}s`,
  );
  while (!deps.signal.aborted) {
    rt.tried = true;
    rt.up = false;
    deps.countUnsent();
    await deps.clock.sleep(deps.rereadMs, deps.signal);
    const read = rt.apiKey?.();
    if (deps.signal.aborted || read === undefined) break;
    if ('value' in read) {
      rt.connect(read.value);
      rt.problem = null;
      deps.logger.info({ target: rt.name }, 'API key found; probing starts');
      return true;
    }
    rt.problem = read.problem;
  }
  return false;
}
