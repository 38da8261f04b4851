import { createHash } from 'node:crypto';
import { DEFAULT_VANTAGE } from '@kvcanary/contract';
import { ConfigError } from './load.js';
import { MAX_OWNED_TARGETS, TARGET_NAME, type Config, type TargetConfig } from './schema.js';

/**
 * Where one exporter stands in a fleet: the vantage it probes from, the shard it is, and so the targets
 * it probes and whether it scrapes their replicas. A fleet shares one config; each exporter tells itself
 * apart by its environment (a StatefulSet pod's name, a cluster's KVCANARY_VANTAGE), so the same file
 * serves every replica of the StatefulSet.
 */
export type Environment = Readonly<Record<string, string | undefined>>;

export interface Shard {
  index: number;
  count: number;
}

export interface Placement {
  vantage: string;
  shard: Shard | null;
  /** The targets this exporter probes, `replicas` removed where another vantage scrapes them. */
  targets: TargetConfig[];
  /** Names of the listed targets other shards probe. */
  elsewhere: string[];
}

/** Stable names only: a pod name changes on every restart and would start a new set of series each time. */
export function resolveVantage(config: Config, env: Environment, source: string): string {
  if (config.vantage !== undefined) return config.vantage;
  const fromEnv = env.KVCANARY_VANTAGE;
  if (fromEnv === undefined || fromEnv === '') return DEFAULT_VANTAGE;
  if (!TARGET_NAME.test(fromEnv)) throw new ConfigError(source, ['KVCANARY_VANTAGE: must be 1-63 letters, digits, _ . or - (it becomes a label value)']);
  return fromEnv;
}

/** A StatefulSet names its pods `<name>-<ordinal>`; the downward API hands the name over as POD_NAME. */
const STATEFULSET_ORDINAL = /-(\d+)$/;

function shardIndex(sharding: NonNullable<Config['sharding']>, env: Environment, source: string): number {
  const problem = (text: string): ConfigError => new ConfigError(source, [`sharding.index: ${text}`]);
  let index = sharding.index;
  if (index === undefined && env.KVCANARY_SHARD_INDEX !== undefined) {
    if (!/^\d+$/.test(env.KVCANARY_SHARD_INDEX)) throw problem(`KVCANARY_SHARD_INDEX '${env.KVCANARY_SHARD_INDEX}' is not a whole number`);
    index = Number(env.KVCANARY_SHARD_INDEX);
  }
  if (index === undefined) {
    const ordinal = STATEFULSET_ORDINAL.exec(env.POD_NAME ?? '')?.[1];
    if (ordinal === undefined) throw problem('not given, and neither KVCANARY_SHARD_INDEX nor a StatefulSet POD_NAME (name-N) is set');
    index = Number(ordinal);
  }
  if (index >= sharding.count) throw problem(`${index} is not below sharding.count (${sharding.count})`);
  return index;
}

function score(target: string, shard: number): bigint {
  return createHash('sha256').update(`${target}\u0000${shard}`).digest().readBigUInt64BE(0);
}

/**
 * The shard that probes a target, by rendezvous (highest-random-weight) hashing of its name: it depends
 * on the name and the shard count only, not on the order or number of targets, and going from N to N+1
 * shards moves only the targets the new shard wins (about 1/(N+1) of them); the others stay put.
 */
export function shardOf(target: string, count: number): number {
  let best = 0;
  let bestScore = -1n;
  for (let shard = 0; shard < count; shard++) {
    const s = score(target, shard);
    if (s > bestScore) {
      best = shard;
      bestScore = s;
    }
  }
  return best;
}

/** This exporter's vantage, shard and targets; throws ConfigError (exit 2) when the environment does not say. */
export function placeTargets(config: Config, env: Environment, source: string): Placement {
  const vantage = resolveVantage(config, env, source);
  const listed = config.targets ?? [];
  const shard = config.sharding ? { index: shardIndex(config.sharding, env, source), count: config.sharding.count } : null;
  const owned = shard ? listed.filter((t) => shardOf(t.name, shard.count) === shard.index) : listed;
  if (owned.length > MAX_OWNED_TARGETS) {
    throw new ConfigError(source, [`targets: this exporter would probe ${owned.length}; at most ${MAX_OWNED_TARGETS} per exporter (raise sharding.count)`]);
  }
  const scraper = config.replicaScrape.vantage;
  const scrapes = scraper === undefined || scraper === vantage;
  const targets = owned.map((t): TargetConfig => {
    if (scrapes || !t.replicas) return t;
    const { replicas: _scrapedElsewhere, ...probeOnly } = t;
    return probeOnly;
  });
  const elsewhere = listed.filter((t) => !owned.includes(t)).map((t) => t.name);
  return { vantage, shard, targets, elsewhere };
}
