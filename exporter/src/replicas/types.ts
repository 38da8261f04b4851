/** One replica as discovery sees it: a bounded label value and where its /metrics live. */
export interface Replica {
  /** Becomes the `replica` label: sanitised and bounded by the monitor. */
  name: string;
  /** Never exposed as a label or in /api/v1/summary (it may carry credentials). */
  metricsUrl: string;
}

/**
 * Where a target's replicas come from. `list()` never rejects: a source that cannot reach its
 * backend logs the error and answers with the last list it knew.
 */
export interface ReplicaSource {
  list(): Promise<Replica[]>;
  /** Releases timers or connections, if the source holds any. */
  close?(): Promise<void>;
}

/**
 * The subset of pino's logger that this folder uses, so a pino instance (or a child) can be passed
 * in directly and tests can pass a recording stub. (obj, msg) order, as pino expects.
 */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** Error text safe for a log line: the message only, never a stack or a request object. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
