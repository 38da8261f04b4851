import { OTHER_REPLICA } from '@kvcanary/contract';

/**
 * Probe requests per replica of one target, as attributed by the response's replica header: the one
 * place that kvcanary_replica_probe_requests_total and /api/v1/summary both read. At most
 * `maxReplicas` replica label values, plus `other`, which counts the requests of any further replica. The monitor
 * forgets a replica here when it leaves discovery, so its series goes with its scraped figures.
 */
export class ProbeCounts {
  private readonly counts = new Map<string, number>();

  constructor(private readonly maxReplicas: number) {}

  /** One request served by `replica`, a replica label value (see the contract's replicaLabelValue). */
  count(replica: string): void {
    const named = this.counts.size - (this.counts.has(OTHER_REPLICA) ? 1 : 0);
    const name = this.counts.has(replica) || named < this.maxReplicas ? replica : OTHER_REPLICA;
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
  }

  get(replica: string): number {
    return this.counts.get(replica) ?? 0;
  }

  forget(replica: string): void {
    this.counts.delete(replica);
  }

  /** A copy, so a reader never sees counts move under it. */
  snapshot(): ReadonlyMap<string, number> {
    return new Map(this.counts);
  }
}
