import type { Clock } from '../util/clock.js';
import type { PolicyName } from './router-policy.js';

/**
 * What a request crosses between the client and a replica, and what that costs it before the
 * replica sees it. A Kubernetes Service is address translation in the kernel (kube-proxy, OVN):
 * nothing a request waits on. llm-d's inference gateway is an Envoy proxy that streams each request
 * body to the endpoint picker (EPP) over ext_proc and holds the request until the EPP has parsed the
 * body, scored the replicas and answered with one.
 */
export const GATEWAYS = ['service', 'inference-gateway'] as const;
export type GatewayName = (typeof GATEWAYS)[number];

export interface GatewayCosts {
  /** Envoy's own part of every request: receive, ext_proc round trips, forward. */
  proxyMs: number;
  /** The picker's fixed work per request: one scheduling cycle (filters, scorers, pick). */
  pickerMs: number;
  /** The picker's work per KiB of request body: streamed to it, buffered, parsed, hashed. */
  pickerMsPerKib: number;
}

export const GATEWAY_COSTS: Record<GatewayName, GatewayCosts> = {
  service: { proxyMs: 0, pickerMs: 0, pickerMsPerKib: 0 },
  'inference-gateway': {
    // The reference run's fastest request took 51.86 ms through llm-d and 44.47 ms straight to vLLM:
    // 7.4 ms for the whole gateway path on a small body, split here as an assumption between Envoy
    // and the picker's scheduling cycle.
    proxyMs: 5,
    pickerMs: 2,
    // kubernetes-sigs/gateway-api-inference-extension issue 2928: with 220 KB prompts the EPP path
    // served a flat 120-133 requests/s from 20 to 150 concurrent requests, one at a time in effect:
    // ~7.7 ms a request, of which the fixed part above leaves ~0.026 ms per KiB.
    pickerMsPerKib: 0.026,
  },
};

/** Which gateway stands in front of a cluster started with this routing policy, unless told. */
export function defaultGateway(policy: PolicyName): GatewayName {
  return policy === 'prefix-aware' ? 'inference-gateway' : 'service';
}

/**
 * The gateway's costs on a clock: Envoy's hop in parallel for every request, the picker's work one
 * request after another (first come, first served), so a burst of large bodies queues at the picker.
 */
export class Gateway {
  /** When the picker finishes the work it has already been given. */
  private pickerFreeAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly costs: GatewayCosts,
    private readonly clock: Clock,
    /** Multiplies every cost, like the engine's timeScale. */
    private readonly timeScale = 1,
  ) {}

  /** Resolves when a request of `bodyBytes` has been picked for and may go on to its replica. */
  async pass(bodyBytes: number): Promise<void> {
    const { proxyMs, pickerMs, pickerMsPerKib } = this.costs;
    const work = pickerMs + (pickerMsPerKib * bodyBytes) / 1024;
    if (proxyMs === 0 && work === 0) return;
    const now = this.clock.now();
    this.pickerFreeAt = Math.max(now, this.pickerFreeAt) + work * this.timeScale;
    await this.clock.sleep(this.pickerFreeAt - now + proxyMs * this.timeScale);
  }
}
