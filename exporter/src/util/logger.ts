/**
 * The subset of pino's logger the exporter uses, so a pino instance (or a child) can be passed in
 * directly and tests can pass a recording stub. (obj, msg) order, as pino expects.
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
