/**
 * The targets of issue 11, judged on figures measured in the same run: kvcanary against the workload
 * floor (same keep-alive), busy `serve` against idle `serve`, and absolute bounds for the sidecar.
 * A target is reported with its value, its limit, the ratio and met/missed; none stops the run.
 */
import type { ClientName, ClientRun, Results, Target } from './results.js';

export const ERROR_RATIO = 1.2;
export const ERROR_SLACK_MS = 0.5;
/** Levels whose error is judged; 1,000 streams is headroom, reported only. */
export const JUDGED_STREAMS: readonly number[] = [4, 32, 128, 256];
/** Each kvcanary client and the floor it is held to (same keep-alive). */
export const FLOOR_OF: Partial<Record<ClientName, ClientName>> = { 'bench-keepalive': 'floor-keepalive', bench: 'floor', serve: 'floor' };
export const SERVE_MAX_CPU_SHARE = 0.02;
export const SERVE_MAX_RSS_MB = 150;
export const SERVE_MAX_RSS_DRIFT = 0.05;
export const METRICS_MAX_RENDER_MS = 20;
export const HELP_MAX_CPU_MS = 150;

const ratio = (value: number, reference: number): number | null => (reference > 0 ? value / reference : null);

/** At most 1.2x the reference's error plus 0.5 ms (a reference below zero counts as zero). */
function errorTarget(name: string, value: number, reference: number): Target {
  const limit = ERROR_RATIO * Math.max(reference, 0) + ERROR_SLACK_MS;
  return { name, value, limit, unit: 'ms', ratio: ratio(value, reference), met: value <= limit };
}

function levelTargets(streams: number, runs: readonly ClientRun[]): Target[] {
  const out: Target[] = [];
  for (const ours of runs) {
    const floorName = FLOOR_OF[ours.client];
    const floor = runs.find((r) => r.client === floorName);
    if (!floor) continue;
    const label = `${streams} streams, ${ours.client} vs ${floor.client}`;
    if (JUDGED_STREAMS.includes(streams)) {
      out.push(errorTarget(`${label}: p50 TTFT error`, ours.errorMs.p50, floor.errorMs.p50));
      out.push(errorTarget(`${label}: p99 TTFT error`, ours.errorMs.p99, floor.errorMs.p99));
    }
    const cpu = ours.cpuMsPerRequest;
    out.push({ name: `${label}: CPU per request`, value: cpu, limit: floor.cpuMsPerRequest, unit: 'ms', ratio: ratio(cpu, floor.cpuMsPerRequest), met: cpu <= floor.cpuMsPerRequest });
  }
  return out;
}

export function judge(results: Omit<Results, 'targets'>): Target[] {
  const out = results.levels.flatMap((l) => levelTargets(l.streams, l.runs));
  const f = results.footprint;
  if (f) {
    const share = f.cpuShare * 100;
    out.push({ name: 'serve at the default pacing: CPU', value: share, limit: SERVE_MAX_CPU_SHARE * 100, unit: '% of a core', ratio: null, met: share < SERVE_MAX_CPU_SHARE * 100 });
    out.push({ name: 'serve at the default pacing: peak RSS', value: f.rssMb.max, limit: SERVE_MAX_RSS_MB, unit: 'MB', ratio: null, met: f.rssMb.max < SERVE_MAX_RSS_MB });
    const drift = Math.abs(f.rssRatio - 1) * 100;
    const long = results.mode === 'long';
    out.push({
      name: 'serve at the default pacing: RSS drift, last quarter vs second',
      value: drift,
      limit: SERVE_MAX_RSS_DRIFT * 100,
      unit: '%',
      ratio: null,
      met: long ? drift <= SERVE_MAX_RSS_DRIFT * 100 : null,
      ...(long ? {} : { note: 'judged with --long (30 minutes): a short run is still filling its 10-minute window' }),
    });
  }
  const m = results.metricsRender;
  if (m) {
    out.push({ name: `/metrics render (${m.targets} targets x ${m.turns} turns x ${m.docTypes} types x ${m.replicasPerTarget} replicas), median`, value: m.renderMs.p50, limit: METRICS_MAX_RENDER_MS, unit: 'ms', ratio: null, met: m.renderMs.p50 < METRICS_MAX_RENDER_MS });
  }
  const i = results.interference;
  if (i) {
    out.push(errorTarget('serve busy vs idle: p50 TTFT error', i.busy.errorMs.p50, i.idle.errorMs.p50));
    out.push(errorTarget('serve busy vs idle: p99 TTFT error', i.busy.errorMs.p99, i.idle.errorMs.p99));
  }
  const s = results.startup;
  if (s) out.push({ name: 'kvcanary bench --help: CPU (median)', value: s.helpCpuMs, limit: HELP_MAX_CPU_MS, unit: 'ms', ratio: ratio(s.helpCpuMs, s.nodeCpuMs), met: s.helpCpuMs < HELP_MAX_CPU_MS });
  return out;
}
