/**
 * A simulated cluster for the soak, in its own process (`kvcanary sim`), so the soak's memory and
 * event-loop figures are the exporter's alone. Its router counts every request it routes
 * (kvcanary_sim_router_requests_total), which is what the exporter's counts are checked against.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseExposition } from '../replicas/exposition-parser.js';
import type { Faults } from '../sim/faults.js';
import { ROUTER } from '../sim/metric-names.js';

export interface SoakCluster {
  name: string;
  /** Router base URL, ending in /v1. */
  routerUrl: string;
  replicas: { name: string; metricsUrl: string }[];
  /** Replaces the faults of every replica, or of one. */
  setFaults(faults: Partial<Faults>, replica?: string): Promise<void>;
  /** Requests the router has routed to a replica since it started. */
  routed(): Promise<number>;
  stop(): Promise<void>;
}

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

export async function startSoakCluster(options: { name: string; router: string; replicas: number; model: string; simArgs: readonly string[] }): Promise<SoakCluster> {
  const child: ChildProcess = spawn(
    process.execPath,
    [CLI, 'sim', '--name', options.name, '--router', options.router, '--replicas', String(options.replicas), '--model', options.model, ...options.simArgs],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines = await new Promise<string[]>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const seen = out.split('\n').filter((l) => l.startsWith('replica '));
      if (seen.length === options.replicas) resolve(out.split('\n'));
    });
    void exited.then(() => reject(new Error(`kvcanary sim ${options.name} exited before it was ready: ${out}`)));
  });
  // `kvcanary sim` prints "router (POLICY): URL" and "replica NAME: URL/v1  metrics URL/metrics".
  const routerUrl = /^router \([^)]*\): (\S+)/.exec(lines.find((l) => l.startsWith('router ')) ?? '')?.[1];
  if (routerUrl === undefined) throw new Error(`kvcanary sim ${options.name} printed no router URL`);
  const replicas = lines.flatMap((l) => {
    const m = /^replica (\S+): \S+ {2}metrics (\S+)/.exec(l);
    return m ? [{ name: m[1] as string, metricsUrl: m[2] as string }] : [];
  });
  const admin = new URL(routerUrl).origin;
  return {
    name: options.name,
    routerUrl,
    replicas,
    async setFaults(faults, replica) {
      const res = await fetch(`${admin}/sim/faults${replica === undefined ? '' : `?replica=${encodeURIComponent(replica)}`}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(faults),
      });
      if (res.status !== 200) throw new Error(`setting faults on ${options.name}: HTTP ${res.status} ${await res.text()}`);
    },
    async routed() {
      const page = await (await fetch(`${admin}/metrics`)).text();
      return parseExposition(page, { keep: (name) => name === ROUTER.requests }).samples.reduce((sum, s) => sum + s.value, 0);
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
