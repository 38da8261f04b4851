import type { Random } from '../util/random.js';
import { blockHashes } from './block-hash.js';
import { PrefixIndex } from './prefix-index.js';

export const POLICIES = ['round-robin', 'random', 'prefix-aware'] as const;
export type PolicyName = (typeof POLICIES)[number];

/** What a policy may know about a replica when choosing. */
export interface ReplicaView {
  name: string;
  /** Requests the router has sent there that have not finished. */
  inFlight: number;
  /** Last scraped vllm:kv_cache_usage_perc, 0-1 (0 when unknown). */
  kvUsage: number;
}

export interface RouteRequest {
  /** The prompt text the prefix scorer hashes (the messages, or the completion prompt). */
  text: string;
  model: string;
}

export interface Policy {
  readonly name: PolicyName;
  /** Index into `replicas` of the chosen one; called once per request. */
  choose(request: RouteRequest, replicas: readonly ReplicaView[]): number;
}

/** What a Kubernetes Service does, per connection: the next one in turn. */
export function roundRobin(): Policy {
  let next = 0;
  return {
    name: 'round-robin',
    choose: (_request, replicas) => next++ % replicas.length,
  };
}

export function randomPolicy(random: Random): Policy {
  return { name: 'random', choose: (_request, replicas) => random.int(replicas.length) };
}

/** llm-d's default scorer weights. */
export const PREFIX_WEIGHTS = { prefix: 3, queue: 2, kvCache: 2 } as const;
/** llm-d hashes at most this many blocks of a request. */
export const MAX_PREFIX_BLOCKS = 256;

/**
 * llm-d's endpoint picker: score = 3 x prefix (matched / total blocks in the replica's approximate
 * index) + 2 x queue ((maxQ - q) / (maxQ - minQ), all 1 when equal) + 2 x (1 - KV usage); the highest
 * score wins, ties broken at random as llm-d's max-score picker does. The chosen replica's index
 * learns the request's blocks at once.
 */
export function prefixAware(random: Random, indexCapacity?: number): Policy & { indexes: Map<string, PrefixIndex> } {
  const indexes = new Map<string, PrefixIndex>();
  const indexOf = (name: string): PrefixIndex => {
    let index = indexes.get(name);
    if (index === undefined) {
      index = new PrefixIndex(indexCapacity);
      indexes.set(name, index);
    }
    return index;
  };
  return {
    name: 'prefix-aware',
    indexes,
    choose(request, replicas) {
      const hashes = blockHashes(request.text, request.model, MAX_PREFIX_BLOCKS);
      const queues = replicas.map((r) => r.inFlight);
      const minQ = Math.min(...queues);
      const maxQ = Math.max(...queues);
      const scores = replicas.map((r) => {
        const prefix = hashes.length === 0 ? 0 : indexOf(r.name).match(hashes) / hashes.length;
        const queue = maxQ === minQ ? 1 : (maxQ - r.inFlight) / (maxQ - minQ);
        return PREFIX_WEIGHTS.prefix * prefix + PREFIX_WEIGHTS.queue * queue + PREFIX_WEIGHTS.kvCache * (1 - r.kvUsage);
      });
      const top = Math.max(...scores);
      const best = random.pick(scores.flatMap((s, i) => (top - s < 1e-9 ? [i] : [])));
      indexOf((replicas[best] as ReplicaView).name).add(hashes);
      return best;
    },
  };
}

export function createPolicy(name: PolicyName, random: Random): Policy {
  switch (name) {
    case 'round-robin':
      return roundRobin();
    case 'random':
      return randomPolicy(random);
    case 'prefix-aware':
      return prefixAware(random);
  }
}
