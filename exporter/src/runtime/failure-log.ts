import { MODEL_LOOKUP_ERROR, SUCCESS, type Outcome } from '@kvcanary/contract';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

/**
 * Failures as an on-call reads them in the log at the default level, at a rate that stays readable
 * when a target fails thousands of times an hour:
 * - the first failure of a kind (its outcome and HTTP status; for a model lookup, its error) after a
 *   request of another kind is logged at once, at warn, with its error: the moment a target breaks,
 *   or breaks differently (a 401 after a 404). At most once per kind and target per interval, and at
 *   most MAX_IMMEDIATE_PER_INTERVAL such lines per target per interval, so a flapping target cannot
 *   flood the log;
 * - every failure is counted, and each interval a target that failed gets one warn line with its
 *   counts by outcome and the last error of each outcome;
 * - the first success after failures is logged at info, at most once per interval.
 * Errors arrive already one line and free of secrets (the client redacts header values); nothing
 * else from a request (prompts, answers, headers) is logged.
 */
export const MAX_IMMEDIATE_PER_INTERVAL = 10;

export interface FailureDetail {
  error?: string;
  status?: number;
  turn?: number;
  conversation?: number;
}

interface TargetLog {
  /** Kind of the last finished request (cancelled ones aside), null before the first. */
  lastKind: string | null;
  /** When each kind was last logged at once; cleared of old entries at each summary. */
  loggedAt: Map<string, number>;
  immediateThisInterval: number;
  requests: number;
  failures: Map<Outcome, number>;
  lastErrors: Map<Outcome, string>;
}

export class FailureLog {
  private readonly targets = new Map<string, TargetLog>();

  constructor(private readonly deps: { logger: Logger; clock: Clock; intervalMs: number }) {}

  observe(target: string, outcome: Outcome, detail: FailureDetail = {}): void {
    if (outcome === 'cancelled') return;
    const log = this.stateOf(target);
    const kind = kindOf(outcome, detail);
    const changed = log.lastKind !== kind;
    const wasFailing = log.lastKind !== null && log.lastKind !== SUCCESS;
    log.lastKind = kind;
    log.requests++;
    if (outcome === SUCCESS) {
      if (wasFailing && this.mayLogNow(log, kind)) this.deps.logger.info({ target }, 'canary requests succeed again');
      return;
    }
    log.failures.set(outcome, (log.failures.get(outcome) ?? 0) + 1);
    if (detail.error !== undefined) log.lastErrors.set(outcome, detail.error);
    if (changed && this.mayLogNow(log, kind)) {
      const { error, ...where } = detail;
      this.deps.logger.warn(
        withoutUndefined({ target, outcome, err: error, ...where }),
        outcome === MODEL_LOOKUP_ERROR ? 'cannot discover the model; retrying' : 'canary request failed',
      );
    }
  }

  /** One line per target that failed since the last summary, then the counts start again. */
  summarise(): void {
    const now = this.deps.clock.now();
    for (const [target, log] of this.targets) {
      if (log.failures.size > 0) {
        this.deps.logger.warn(
          {
            target,
            intervalSeconds: this.deps.intervalMs / 1000,
            requests: log.requests,
            failures: Object.fromEntries(log.failures),
            lastErrors: Object.fromEntries(log.lastErrors),
          },
          'canary requests failed in the last interval',
        );
      }
      log.requests = 0;
      log.failures.clear();
      log.lastErrors.clear();
      log.immediateThisInterval = 0;
      for (const [kind, at] of log.loggedAt) if (now - at >= this.deps.intervalMs) log.loggedAt.delete(kind);
    }
  }

  private mayLogNow(log: TargetLog, kind: string): boolean {
    const now = this.deps.clock.now();
    const last = log.loggedAt.get(kind);
    if (last !== undefined && now - last < this.deps.intervalMs) return false;
    if (log.immediateThisInterval >= MAX_IMMEDIATE_PER_INTERVAL) return false;
    log.loggedAt.set(kind, now);
    log.immediateThisInterval++;
    return true;
  }

  private stateOf(target: string): TargetLog {
    let log = this.targets.get(target);
    if (!log) {
      log = { lastKind: null, loggedAt: new Map(), immediateThisInterval: 0, requests: 0, failures: new Map(), lastErrors: new Map() };
      this.targets.set(target, log);
    }
    return log;
  }
}

/** What makes two failures "the same" for the log: a 401 after a 404 is news, the next 401 is not. */
function kindOf(outcome: Outcome, detail: FailureDetail): string {
  if (outcome === MODEL_LOOKUP_ERROR) return `${outcome} ${detail.error ?? ''}`;
  return detail.status === undefined || outcome === SUCCESS ? outcome : `${outcome} ${detail.status}`;
}

function withoutUndefined(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}
