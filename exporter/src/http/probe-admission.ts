/**
 * At most `limit` /probe conversations in flight per target. Every /probe sends a whole conversation
 * to the target, so without a bound anyone who can reach the port multiplies the load on the LLM
 * backend (and skews the continuous canary's own figures, which share it). Past the bound the caller
 * gets 429 with a Retry-After of when the earliest running probe must end.
 */
export type Admission = { admitted: true; release: () => void } | { admitted: false; retryAfterSeconds: number };

interface Running {
  /** When this probe must have answered, on `now`'s clock (ms). */
  deadlineMs: number;
}

export class ProbeAdmission {
  private readonly running = new Map<string, Set<Running>>();

  constructor(
    private readonly limit: number,
    private readonly now: () => number,
  ) {}

  admit(target: string, deadlineMs: number): Admission {
    const probes = this.running.get(target) ?? new Set<Running>();
    if (probes.size >= this.limit) {
      const earliest = Math.min(...[...probes].map((p) => p.deadlineMs));
      return { admitted: false, retryAfterSeconds: Math.max(1, Math.ceil((earliest - this.now()) / 1000)) };
    }
    const probe: Running = { deadlineMs };
    probes.add(probe);
    this.running.set(target, probes);
    return {
      admitted: true,
      release: () => {
        probes.delete(probe);
        if (probes.size === 0 && this.running.get(target) === probes) this.running.delete(target);
      },
    };
  }
}
