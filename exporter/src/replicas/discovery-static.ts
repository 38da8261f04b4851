/** A fixed list of replicas from the config: metrics URLs with optional names. */
import type { Replica, ReplicaSource } from './types.js';

export interface StaticReplica {
  /** The replica's /metrics URL; a bare base URL (no path) gets `/metrics`. */
  url: string;
  /** Defaults to host:port, which never carries credentials or the path. */
  name?: string;
}

export function createStaticSource(replicas: readonly (StaticReplica | string)[]): ReplicaSource {
  // Built once: a bad URL is a config error, reported when the target is set up, not every scrape.
  const list: Replica[] = replicas.map((entry) => {
    const { url, name } = typeof entry === 'string' ? { url: entry, name: undefined } : entry;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new Error(`replica URL is not a valid URL: ${redact(url)}`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new Error(`replica URL must be http or https: ${redact(url)}`);
    }
    if (parsed.pathname === '' || parsed.pathname === '/') parsed.pathname = '/metrics';
    return { name: name ?? defaultName(parsed), metricsUrl: parsed.toString() };
  });
  return { list: () => Promise.resolve(list.map((r) => ({ ...r }))) };
}

function defaultName(url: URL): string {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `${url.hostname}:${port}`;
}

/** For error messages: anything that looks like user-info is dropped. */
function redact(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//');
}
