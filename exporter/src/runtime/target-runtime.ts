import type { Role } from '@kvcanary/contract';
import type { RequestRecord } from '@kvcanary/contract/schemas';
import { createChatClient, type ChatClient } from '../client/chat-client.js';
import type { Config, TargetConfig } from '../config/schema.js';
import type { SecretRead, TargetSecrets } from '../config/secrets.js';
import { ProbeCounts, createKubernetesSource, createReplicaMonitor, createStaticSource, engineSplit, type ReplicaMonitor, type TargetReplicas } from '../replicas/index.js';
import type { Scraper } from '../replicas/scraper.js';
import type { Logger } from '../util/logger.js';
import { SlidingWindow } from '../stats/window.js';
import type { Clock } from '../util/clock.js';
import { TargetUp } from './target-up.js';

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
  /** A canary request has finished (any outcome): probing this target works, whatever it answered. */
  measured: boolean;
  /** The last model lookup's error while the model is being discovered; null once known. */
  modelError: string | null;
  lastSuccessMs: number | null;
  /** kvcanary_target_up, over the last few requests (target-up.ts). */
  up: boolean;
  upWindow: TargetUp;
  /** The first failed turn's outcome per conversation in progress (bounded by conversations in flight). */
  firstFailure: Map<number, RequestRecord['outcome']>;
}

export interface RuntimeDeps {
  config: Config;
  /** Per target: the API key (apiKeyEnv / apiKeyFile) and the CA bundle (tls.caFile). */
  secrets: (target: string) => TargetSecrets | undefined;
  clock: Clock;
  logger: Logger;
  /** Where replica pages are fetched and parsed (the exporter's worker thread). */
  scraper: Scraper;
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
      ...(r.endpointPicker ? { endpointPickerUrl: r.endpointPicker.url } : {}),
      engineWindowMs: config.window.duration,
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
    measured: false,
    modelError: null,
    lastSuccessMs: null,
    up: false,
    upWindow: new TargetUp(),
    firstFailure: new Map(),
  };
  return runtime;
}

/** The target's replicas as the metrics and the summary read them: one snapshot, one set of probe counts. */
export function replicasOf(t: TargetRuntime): TargetReplicas {
  const replicas = t.monitor?.snapshot() ?? [];
  return { target: t.name, replicas, probeRequests: t.probes.snapshot(), engine: engineSplit(replicas), scheduler: t.monitor?.scheduler() ?? null };
}

/**
 * The model to probe: configured, or the first id of GET /models, retried until the target answers
 * (a target that is down at start is reported as down, never fatal). Each failed lookup goes to
 * `onFailure` (counted and logged by the caller); a stop abandons a lookup in progress at once.
 * Resolves null when stopped.
 */
export async function resolveModel(
  rt: TargetRuntime,
  deps: { clock: Clock; logger: Logger; signal: AbortSignal; retryMs: number; onFailure: (error: string) => void },
): Promise<string | null> {
  while (rt.model === null && !deps.signal.aborted) {
    try {
      const [first] = await rt.client.listModels(deps.signal);
      if (first === undefined) throw new Error('the /models list is empty');
      rt.model = first;
      rt.modelError = null;
      deps.logger.info({ target: rt.name, model: first }, 'model discovered');
    } catch (err) {
      if (deps.signal.aborted) break;
      rt.modelError = err instanceof Error ? err.message : String(err);
      deps.onFailure(rt.modelError);
      await deps.clock.sleep(deps.retryMs, deps.signal);
    }
  }
  return rt.model;
}

/**
 * Resolves true once the target's API key can be read (at once when it needs none or had it at
 * start-up), false when stopped first. Until then nothing is sent to the target: it is down,
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
