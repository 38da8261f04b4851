/**
 * Replicas as the pods matching a label selector in one namespace. Re-lists at most every
 * `relistIntervalMs` (a list per scrape interval is cheap and needs no long-lived watch to
 * babysit). Only Running and Ready pods with an IP count: a pod that is starting or draining would
 * only read as down. An API error keeps the last known list and is logged; nothing is thrown.
 *
 * The Kubernetes client is imported at the first list, not with this module: loading it costs about
 * 75 MB of RSS and over a second of CPU, which a sidecar probing static replicas (or none) never needs.
 */
import type { CoreV1Api, KubeConfig, V1Pod } from '@kubernetes/client-node';
import type { Clock } from '../util/clock.js';
import { errorMessage, silentLogger, type Logger } from '../util/logger.js';
import type { Replica, ReplicaSource } from './types.js';

export interface KubernetesSourceOptions {
  namespace: string;
  labelSelector: string;
  /** The container port serving /metrics (vLLM's API port, usually 8000). */
  port: number;
  path?: string;
  scheme?: 'http' | 'https';
  relistIntervalMs: number;
  /** Deadline for one list call; a hung API server must not hold the list forever. */
  timeoutMs?: number;
  clock: Clock;
  logger?: Logger;
  /** Defaults to `KubeConfig.loadFromDefault()`: in-cluster service account, else ~/.kube/config. */
  kubeConfig?: KubeConfig;
}

export interface KubernetesSource extends ReplicaSource {
  /** The last list error, null after a successful list. */
  lastError(): string | null;
}

export function createKubernetesSource(options: KubernetesSourceOptions): KubernetesSource {
  const logger = options.logger ?? silentLogger;
  const path = options.path ?? '/metrics';
  const scheme = options.scheme ?? 'http';
  const timeoutMs = options.timeoutMs ?? 10_000;
  let api: CoreV1Api | null = null;
  let known: Replica[] = [];
  let listedAt: number | null = null;
  let lastError: string | null = null;
  let inFlight: Promise<void> | null = null;

  async function client(): Promise<CoreV1Api> {
    if (api) return api;
    const k8s = await import('@kubernetes/client-node');
    const kc = options.kubeConfig ?? loadDefault(k8s.KubeConfig);
    api = kc.makeApiClient(k8s.CoreV1Api);
    return api;
  }

  async function relist(): Promise<void> {
    try {
      const pods = await withTimeout(
        client().then((c) => c.listNamespacedPod({ namespace: options.namespace, labelSelector: options.labelSelector })),
        timeoutMs,
      );
      known = pods.items.filter(isServing).flatMap((pod) => {
        const name = pod.metadata?.name;
        const ip = pod.status?.podIP;
        if (!name || !ip) return [];
        const host = ip.includes(':') ? `[${ip}]` : ip;
        return [{ name, namespace: options.namespace, metricsUrl: `${scheme}://${host}:${options.port}${path}` }];
      });
      if (lastError !== null) logger.info({ namespace: options.namespace }, 'kubernetes discovery recovered');
      lastError = null;
    } catch (err) {
      lastError = describe(err);
      logger.warn(
        { namespace: options.namespace, labelSelector: options.labelSelector, err: lastError, kept: known.length },
        'kubernetes discovery failed; keeping the last known replicas',
      );
    } finally {
      // Failed lists also wait for the interval, so a broken API server is not hammered.
      listedAt = options.clock.now();
    }
  }

  return {
    async list() {
      const due = listedAt === null || options.clock.now() - listedAt >= options.relistIntervalMs;
      if (due && !inFlight) {
        inFlight = relist().finally(() => {
          inFlight = null;
        });
      }
      if (inFlight) await inFlight;
      return known.map((r) => ({ ...r }));
    },
    lastError: () => lastError,
  };
}

/** Running, Ready, not being deleted. */
export function isServing(pod: V1Pod): boolean {
  if (pod.metadata?.deletionTimestamp) return false;
  if (pod.status?.phase !== 'Running') return false;
  return (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

function loadDefault(Config: typeof KubeConfig): KubeConfig {
  const kc = new Config();
  kc.loadFromDefault();
  return kc;
}

/** The API error's status and reason without its body dump or request headers (tokens). */
function describe(err: unknown): string {
  const e = err as { code?: unknown; body?: unknown } | null;
  if (typeof e?.code === 'number') {
    let reason = '';
    try {
      const body = typeof e.body === 'string' ? (JSON.parse(e.body) as { message?: unknown }) : null;
      if (typeof body?.message === 'string') reason = `: ${body.message.slice(0, 200)}`;
    } catch {
      // A non-JSON body: the status code alone says enough.
    }
    return `HTTP ${e.code}${reason}`;
  }
  return errorMessage(err).slice(0, 300);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`kubernetes API did not answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
