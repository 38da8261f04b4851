import { parseArgs, type ParseArgsConfig } from 'node:util';
import { MAX_TIMER_MS, MAX_TIMER_TEXT } from './timer-limit.js';
import { UsageError } from './usage-error.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * node:util parseArgs in strict mode, its errors turned into one-line UsageErrors (exit 2) that
 * name the flag, e.g. "bench: unknown option '--foo'".
 */
export function parseStrict<T extends Options>(command: string, argv: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
  } catch (err) {
    // parseArgs' errors are TypeErrors, possibly from another realm (jest's vm): read the message.
    const raw = (err as { message?: unknown } | null)?.message;
    const message = typeof raw === 'string' ? raw : String(err);
    // Node appends advice on '--' after the first sentence; one line is enough.
    const first = message.split(/\.\s/)[0]?.replace(/\.$/, '') ?? message;
    throw new UsageError(`${command}: ${first.charAt(0).toLowerCase()}${first.slice(1)}`);
  }
}

/** An integer flag within [min, max]; the message names the flag and what it got. */
export function intFlag(flag: string, value: string | undefined, fallback: number, range: { min: number; max?: number }): number {
  if (value === undefined) return fallback;
  const n = /^[+-]?\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < range.min || (range.max !== undefined && n > range.max)) {
    const bound = range.max !== undefined ? `between ${range.min} and ${range.max}` : `at least ${range.min}`;
    throw new UsageError(`${flag} must be an integer ${bound}, got '${value}'`);
  }
  return n;
}

/** A number flag (seconds and the like) within [min, max]. */
export function numberFlag(flag: string, value: string | undefined, fallback: number, range: { min: number; max?: number; exclusiveMin?: boolean }): number {
  if (value === undefined) return fallback;
  const n = value.trim() === '' ? Number.NaN : Number(value);
  const tooLow = range.exclusiveMin ? n <= range.min : n < range.min;
  if (!Number.isFinite(n) || tooLow || (range.max !== undefined && n > range.max)) {
    const low = `${range.exclusiveMin ? 'greater than' : 'at least'} ${range.min}`;
    throw new UsageError(`${flag} must be a number ${low}${range.max !== undefined ? ` and at most ${range.max}` : ''}, got '${value}'`);
  }
  return n;
}

/** A duration flag in seconds: a number flag that must also fit in a Node.js timer. */
export function secondsFlag(flag: string, value: string | undefined, fallback: number, range: { min: number; exclusiveMin?: boolean }): number {
  const seconds = numberFlag(flag, value, fallback, range);
  if (seconds * 1000 > MAX_TIMER_MS) throw new UsageError(`${flag} must be at most ${MAX_TIMER_TEXT}, got '${value ?? ''}'`);
  return seconds;
}

/** The value of a string flag given as a single token (parseArgs keeps the last of repeated flags). */
export function stringValue(value: string | boolean | (string | boolean)[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
