import type { Logger } from '../util/logger.js';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  fields: Record<string, unknown>;
}

/** A logger that keeps every line, for tests that assert what an operator would read. */
export interface RecordingLogger extends Logger {
  lines: LogLine[];
  /** Lines at `level` and above. */
  atLeast(level: LogLine['level']): LogLine[];
}

const ORDER: LogLine['level'][] = ['debug', 'info', 'warn', 'error'];

export function recordingLogger(): RecordingLogger {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine['level']) =>
    (fields: object, msg = ''): void => {
      lines.push({ level, msg, fields: { ...fields } });
    };
  return {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    atLeast: (level) => lines.filter((l) => ORDER.indexOf(l.level) >= ORDER.indexOf(level)),
  };
}
