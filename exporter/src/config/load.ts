import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { UsageError } from '../util/usage-error.js';
import { configSchema, type Config } from './schema.js';

/** An invalid config: every problem on its own line, each naming the field. The CLI exits 2 on it. */
export class ConfigError extends UsageError {
  override name = 'ConfigError';
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid config ${source}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

/** `targets[0].replicas.kubernetes.port` */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? String(part) : `.${String(part)}`;
  return out || '(top level)';
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** One line per problem, in the words a person fixing the file needs. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    const at = fieldPath(issue.path);
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) lines.push(`${fieldPath([...issue.path, key])}: unknown field`);
        break;
      case 'invalid_type':
        lines.push(issue.input === undefined ? `${at}: is required` : `${at}: expected ${issue.expected}, got ${describe(issue.input)}`);
        break;
      case 'too_small':
        lines.push(`${at}: ${issue.origin === 'array' ? `must have at least ${issue.minimum} item(s)` : issue.origin === 'string' ? `must be at least ${issue.minimum} character(s)` : `must be ${issue.inclusive ? '>=' : '>'} ${issue.minimum}`}`);
        break;
      case 'too_big':
        lines.push(`${at}: ${issue.origin === 'array' ? `must have at most ${issue.maximum} item(s)` : `must be ${issue.inclusive ? '<=' : '<'} ${issue.maximum}`}`);
        break;
      case 'invalid_value':
        lines.push(`${at}: must be one of ${issue.values.map((v) => String(v)).join(', ')}`);
        break;
      case 'invalid_union':
        lines.push(`${at}: expected a duration such as 2s or 10m`);
        break;
      default:
        lines.push(`${at}: ${issue.message}`);
    }
  }
  return lines;
}

/** Validates an already-parsed document (the embedded default and tests build them in code). */
export function parseConfig(data: unknown, source = '(inline)'): Config {
  const result = configSchema.safeParse(data ?? {}, { reportInput: true });
  if (!result.success) throw new ConfigError(source, formatIssues(result.error.issues));
  return result.data;
}

/**
 * Aliases a document may expand: far above what a hand-written config uses, far below what a
 * "billion laughs" document needs to exhaust memory (the yaml package's own guard, `maxAliasCount`).
 */
const MAX_ALIASES = 100;

/**
 * Reads, parses and validates a YAML config file; throws ConfigError naming every problem. A file
 * must say what to probe: one without targets or simulation (an empty ConfigMap key, a file of
 * comments) is an error, never a silent start of the embedded simulated clusters.
 */
export function loadConfigFile(file: string, read: (f: string) => string = (f) => readFileSync(f, 'utf8')): Config {
  let text: string;
  try {
    text = read(file);
  } catch (err) {
    throw new ConfigError(file, [`cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter: lines });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => `line ${lines.linePos(e.pos[0]).line}: ${e.message.split('\n')[0] ?? e.code}`),
    );
  }
  if (doc.contents === null) throw new ConfigError(file, [`the file is empty or only comments; ${SAY_WHAT_TO_PROBE}`]);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (err) {
    throw new ConfigError(file, [`cannot read the YAML: ${err instanceof Error ? err.message : String(err)}`]);
  }
  const config = parseConfig(data, file);
  if (!config.targets && !config.simulation) throw new ConfigError(file, [`(top level): no targets; ${SAY_WHAT_TO_PROBE}`]);
  return config;
}

const SAY_WHAT_TO_PROBE = 'list targets, or write `simulation: {}` for the embedded simulated clusters';
