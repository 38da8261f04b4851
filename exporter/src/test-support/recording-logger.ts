import type { Logger } from '../util/logger.js';

export interface LogLine {
  level: string;
  msg: string;
  obj: object;
}

/** A logger that remembers what it was told, to assert on warnings and on what a line carries. */
export function recordingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (obj: object, msg?: string) => lines.push({ level, msg: msg ?? '', obj });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
