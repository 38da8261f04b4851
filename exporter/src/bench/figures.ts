/**
 * TTFT figures of one run: the client's and the server's tails by the same order statistics the
 * exporter reports (stats/percentile.ts `distribution`, the reference tool's percentile), so figures
 * read from `serve`'s /api/v1/summary and figures computed here from raw TTFTs are comparable.
 */
import { distribution } from '../stats/percentile.js';
import type { Distribution } from '@kvcanary/contract/schemas';
import type { Tail, TtftFigures } from './results.js';

export function tailOf(d: Distribution): Tail {
  return { p50: d.p50, p99: d.p99, max: d.max };
}

/** The client's TTFT figures beside the server's: error = client - server at each percentile. */
export function ttftFigures(options: {
  client: Distribution | null;
  truths: readonly number[];
  requests: number;
  failures: number;
  cpuMsPerRequest: number;
  what: string;
}): TtftFigures {
  const truth = distribution(options.truths);
  if (!options.client) throw new Error(`${options.what}: no successful request`);
  if (!truth) throw new Error(`${options.what}: the ground-truth server completed no measured stream`);
  const ttftMs = tailOf(options.client);
  const truthMs = tailOf(truth);
  return {
    requests: options.requests,
    failures: options.failures,
    ttftMs,
    truthMs,
    errorMs: { p50: ttftMs.p50 - truthMs.p50, p99: ttftMs.p99 - truthMs.p99, max: ttftMs.max - truthMs.max },
    cpuMsPerRequest: options.cpuMsPerRequest,
  };
}
