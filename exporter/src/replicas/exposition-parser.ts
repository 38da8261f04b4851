/**
 * A small parser for the Prometheus text exposition format (0.0.4), tolerant of what real servers
 * send: OpenMetrics extras (`# EOF`, `# UNIT`, exemplars), timestamps, CRLF line ends, NaN and
 * +/-Inf. No maintained npm package does this (prom-client only writes the format), and we need only
 * a few families, so samples can be filtered while parsing to keep memory bounded on big pages.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParseResult {
  samples: Sample[];
  /** Malformed lines, as "line N: reason"; at most MAX_ERRORS kept, `errorCount` counts them all. */
  errors: string[];
  errorCount: number;
}

export interface ParseOptions {
  /**
   * Keep only samples whose name passes, histogram parts included (`x_sum`, `x_count` when named
   * exactly). Without a filter, histogram and summary series are dropped.
   */
  keep?: (name: string) => boolean;
}

const MAX_ERRORS = 5;
const NAME_START = /[a-zA-Z_:]/;
const NAME_CHAR = /[a-zA-Z0-9_:]/;
const LABEL_START = /[a-zA-Z_]/;
const LABEL_CHAR = /[a-zA-Z0-9_]/;
/** Series a histogram or summary family `f` writes besides `f` itself (summary quantiles). */
const AGGREGATE_SUFFIXES = ['_bucket', '_sum', '_count', '_created', '_gsum', '_gcount'];

class LineError extends Error {}

export function parseExposition(text: string, options: ParseOptions = {}): ParseResult {
  const samples: Sample[] = [];
  const errors: string[] = [];
  let errorCount = 0;
  // Families typed histogram/summary: their series are skipped, we only read counters and gauges.
  const aggregates = new Set<string>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i] ?? '';
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const trimmed = line.trim();
    if (trimmed === '') continue;
    if (trimmed.startsWith('#')) {
      const type = /^#\s*TYPE\s+(\S+)\s+(\S+)/.exec(trimmed);
      if (type?.[1] && type[2] && (type[2] === 'histogram' || type[2] === 'summary' || type[2] === 'gaugehistogram')) {
        aggregates.add(type[1]);
      }
      continue;
    }
    try {
      const sample = parseSampleLine(trimmed, options.keep, aggregates);
      if (sample) samples.push(sample);
    } catch (err) {
      errorCount++;
      if (errors.length < MAX_ERRORS) {
        const reason = err instanceof LineError ? err.message : 'unreadable';
        errors.push(`line ${i + 1}: ${reason}`);
      }
    }
  }
  return { samples, errors, errorCount };
}

function isAggregateSeries(name: string, aggregates: Set<string>): boolean {
  if (aggregates.size === 0) return false;
  if (aggregates.has(name)) return true;
  for (const suffix of AGGREGATE_SUFFIXES) {
    if (name.endsWith(suffix) && aggregates.has(name.slice(0, -suffix.length))) return true;
  }
  return false;
}

/** Parses one sample line; returns null for a well-formed sample that is filtered out. */
function parseSampleLine(
  line: string,
  keep: ((name: string) => boolean) | undefined,
  aggregates: Set<string>,
): Sample | null {
  let pos = 0;
  if (!NAME_START.test(line[0] ?? '')) throw new LineError('metric name expected');
  while (pos < line.length && NAME_CHAR.test(line[pos] ?? '')) pos++;
  const name = line.slice(0, pos);
  const labels: Record<string, string> = {};
  const afterName = pos;
  while (line[pos] === ' ' || line[pos] === '\t') pos++;
  if (line[pos] === '{') pos = parseLabels(line, pos + 1, labels);
  else pos = afterName;
  if (line[pos] !== ' ' && line[pos] !== '\t') throw new LineError('space before value expected');
  // Value, then an optional timestamp, then (OpenMetrics) an optional exemplar after '#'.
  const rest = line.slice(pos).trim();
  const hash = rest.indexOf('#');
  const fields = (hash >= 0 ? rest.slice(0, hash) : rest).trim().split(/[ \t]+/);
  if (fields.length > 2 || fields[0] === undefined || fields[0] === '') throw new LineError('value expected');
  const value = parseValue(fields[0]);
  if (fields[1] !== undefined && !/^-?\d+(\.\d+)?$/.test(fields[1])) throw new LineError('bad timestamp');
  if (keep) return keep(name) ? { name, labels, value } : null;
  if (isAggregateSeries(name, aggregates)) return null;
  return { name, labels, value };
}

/** Reads `a="x",b="y"}` from `start`; returns the position after the closing brace. */
function parseLabels(line: string, start: number, labels: Record<string, string>): number {
  let pos = start;
  for (;;) {
    while (line[pos] === ' ') pos++;
    if (line[pos] === '}') return pos + 1;
    const nameStart = pos;
    if (!LABEL_START.test(line[pos] ?? '')) throw new LineError('label name expected');
    while (pos < line.length && LABEL_CHAR.test(line[pos] ?? '')) pos++;
    const labelName = line.slice(nameStart, pos);
    while (line[pos] === ' ') pos++;
    if (line[pos] !== '=') throw new LineError(`'=' expected after label ${labelName}`);
    pos++;
    while (line[pos] === ' ') pos++;
    if (line[pos] !== '"') throw new LineError(`quoted value expected for label ${labelName}`);
    pos++;
    let value = '';
    for (;;) {
      const ch = line[pos];
      if (ch === undefined) throw new LineError(`unterminated value of label ${labelName}`);
      if (ch === '"') break;
      if (ch === '\\') {
        const next = line[pos + 1];
        // The format defines three escapes; anything else is kept as written, as Prometheus does.
        if (next === 'n') value += '\n';
        else if (next === '\\') value += '\\';
        else if (next === '"') value += '"';
        else value += '\\' + (next ?? '');
        pos += 2;
        continue;
      }
      value += ch;
      pos++;
    }
    pos++;
    labels[labelName] = value;
    while (line[pos] === ' ') pos++;
    if (line[pos] === ',') pos++;
    else if (line[pos] !== '}') throw new LineError(`',' or '}' expected after label ${labelName}`);
  }
}

/** Go's ParseFloat spellings that Prometheus accepts: NaN, [+-]Inf, decimals and exponents. */
export function parseValue(text: string): number {
  const lower = text.toLowerCase();
  if (lower === 'nan') return Number.NaN;
  if (lower === '+inf' || lower === 'inf' || lower === '+infinity' || lower === 'infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) throw new LineError(`bad value '${text.slice(0, 20)}'`);
  return Number(text);
}
