import { createReplicaMonitor, type ReplicaMonitor, type ReplicaMonitorOptions } from '../replicas/monitor.js';
import { ProbeCounts } from '../replicas/probe-counts.js';
import type { ReplicaSource } from '../replicas/types.js';
import { FakeClock } from './fake-clock.js';
import { startLoopback, type Loopback } from './loopback.js';

/**
 * One loopback server playing many /metrics pages by path; each page is read at request time, so a
 * test can change it between scrapes. 'hang' sends headers and nothing more, 'huge' an endless page
 * without content-length, 'error' a 500.
 */
export async function pageServer(pages: Record<string, () => string | 'hang' | 'huge' | 'error'>): Promise<Loopback> {
  return startLoopback((req, res) => {
    const page = pages[req.url ?? '']?.();
    if (page === undefined || page === 'error') {
      res.writeHead(page === 'error' ? 500 : 404).end('nope');
    } else if (page === 'hang') {
      res.writeHead(200, { 'content-type': 'text/plain' }); // headers, then nothing: a stalled body
    } else if (page === 'huge') {
      // No content-length: the cap must hold while streaming.
      res.writeHead(200, { 'content-type': 'text/plain' });
      const line = 'vllm:num_requests_running 1\n'.repeat(1000);
      for (let i = 0; i < 100; i++) res.write(line);
      res.end();
    } else {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(page);
    }
  });
}

/** A monitor with test-sized defaults (1 s interval, 300 ms timeout, a fake clock); `extra` overrides. */
export function testMonitor(source: ReplicaSource, extra: Partial<ReplicaMonitorOptions> = {}): ReplicaMonitor {
  return createReplicaMonitor({
    target: 't',
    source,
    intervalMs: 1000,
    engineWindowMs: 600_000,
    timeoutMs: 300,
    maxBodyBytes: 64 * 1024,
    maxReplicas: 64,
    clock: new FakeClock(),
    probes: new ProbeCounts(64),
    ...extra,
  });
}
