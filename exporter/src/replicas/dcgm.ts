/**
 * GPU utilisation from NVIDIA's dcgm-exporter, per GPU or MIG instance, and the pod each belongs to.
 *
 * Two fields measure it. `DCGM_FI_PROF_GR_ENGINE_ACTIVE` (a 0-1 ratio) wins over `DCGM_FI_DEV_GPU_UTIL`
 * (percent) when a GPU has both: NVIDIA calls GPU_UTIL outdated and less precise than the profiling
 * fields, and does not support it on MIG instances, where it reads 0 (NVIDIA/DCGM#80,
 * NVIDIA/dcgm-exporter#216). GPU_UTIL is what GPUs older than Volta have, with no profiling fields
 * (NVIDIA/dcgm-exporter#395), and what the simulator serves.
 */
import type { Sample } from './exposition-parser.js';

/** Both spellings: dcgm-exporter's default, and the lower case of a relabelled page (NVIDIA/dcgm-exporter#272). */
export const DCGM_ENGINE_ACTIVE = ['DCGM_FI_PROF_GR_ENGINE_ACTIVE', 'dcgm_fi_prof_gr_engine_active'] as const;
export const DCGM_GPU_UTIL = ['DCGM_FI_DEV_GPU_UTIL', 'dcgm_fi_dev_gpu_util'] as const;
const ENGINE_ACTIVE = new Set<string>(DCGM_ENGINE_ACTIVE);
const GPU_UTIL = new Set<string>(DCGM_GPU_UTIL);

/** Pod labels: dcgm-exporter's Kubernetes mapping writes `pod`/`namespace`, older releases `pod_name`/`pod_namespace` (#272). */
const POD_LABELS = ['pod', 'pod_name'] as const;
const NAMESPACE_LABELS = ['namespace', 'pod_namespace'] as const;

export function isDcgmMetric(name: string): boolean {
  return ENGINE_ACTIVE.has(name) || GPU_UTIL.has(name);
}

/** One GPU (or MIG instance) as DCGM reports it; `pod` is null when its pod mapping gave none. */
export interface GpuReading {
  pod: string | null;
  namespace: string | null;
  /** The `gpu` label, with `-mig<GPU_I_ID>` for a MIG instance, so instances of one GPU stay apart. */
  gpu: string;
  /** 0-1. */
  utilization: number;
}

function firstLabel(labels: Record<string, string>, names: readonly string[]): string | null {
  for (const n of names) {
    const v = labels[n];
    if (v !== undefined && v !== '') return v;
  }
  return null;
}

/** A 0-1 utilisation, or null for a value no GPU reports (DCGM's blank sentinels near 9.2e18, NaN, negatives). */
function utilizationOf(s: Sample): number | null {
  const ratio = ENGINE_ACTIVE.has(s.name) ? s.value : s.value / 100;
  return Number.isFinite(ratio) && ratio >= 0 && ratio <= 1 ? ratio : null;
}

/** One reading per pod and GPU: GR_ENGINE_ACTIVE where the GPU has it, else GPU_UTIL; repeated series average. */
export function gpuReadings(samples: readonly Sample[]): GpuReading[] {
  const byKey = new Map<string, { reading: Omit<GpuReading, 'utilization'>; active: number[]; util: number[] }>();
  for (const s of samples) {
    if (!isDcgmMetric(s.name)) continue;
    const utilization = utilizationOf(s);
    if (utilization === null) continue;
    const base = s.labels.gpu ?? s.labels.UUID ?? s.labels.uuid ?? '0';
    const instance = s.labels.GPU_I_ID;
    const reading = {
      pod: firstLabel(s.labels, POD_LABELS),
      namespace: firstLabel(s.labels, NAMESPACE_LABELS),
      gpu: instance ? `${base}-mig${instance}` : base,
    };
    const key = JSON.stringify([reading.pod, reading.namespace, reading.gpu]);
    const entry = byKey.get(key) ?? { reading, active: [], util: [] };
    (ENGINE_ACTIVE.has(s.name) ? entry.active : entry.util).push(utilization);
    byKey.set(key, entry);
  }
  return [...byKey.values()].map(({ reading, active, util }) => {
    const values = active.length > 0 ? active : util;
    return { ...reading, utilization: values.reduce((a, b) => a + b, 0) / values.length };
  });
}

/**
 * The GPUs of one pod: its name must match, and its namespace too when both sides know one (a static
 * replica has none; DCGM without the mapping has none).
 */
export function gpusOfPod(readings: readonly GpuReading[], pod: string, namespace: string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of readings) {
    if (r.pod !== pod) continue;
    if (namespace !== undefined && r.namespace !== null && r.namespace !== namespace) continue;
    out.set(r.gpu, r.utilization);
  }
  return out;
}
