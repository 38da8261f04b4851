import type { Metric } from 'prom-client';

/**
 * The exporter's own exposition writer. It writes exactly the bytes prom-client 15 writes
 * (node_modules/prom-client/lib/registry.js, `getMetricsAsString` and `metrics()`), in OpenMetrics, and
 * in text 0.0.4 as the conversion of that OpenMetrics (test-support/openmetrics-text.ts) would, but it
 * formats each series' label set once and keeps it while the series lives, where prom-client formats,
 * escapes and merges the default labels of every sample at every render.
 */
export type ExpositionFormat = 'openmetrics' | 'text';

export type LabelSet = Readonly<Record<string, string | number>>;

/** What prom-client escapes in names, help and label values (lib/registry.js `escapeString`). */
function escapeText(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** One `name="value"` pair; numbers (a histogram's `le`) as they are, like lib/registry.js `escapeLabelValue`. */
export function labelPair(name: string, value: string | number): string {
  return `${name}="${typeof value === 'string' ? escapeText(value).replace(/"/g, '\\"') : value}"`;
}

/** A sample's value as prom-client writes it (lib/util.js `getValueAsString`: NaN is `Nan`). */
export function sampleValue(value: number): string {
  if (Number.isNaN(value)) return 'Nan';
  if (!Number.isFinite(value)) return value < 0 ? '-Inf' : '+Inf';
  return `${value}`;
}

export interface FamilyHead {
  name: string;
  help: string;
  /** prom-client's type name: counter, gauge, histogram or summary. */
  type: string;
}

/** The name a counter's samples carry: OpenMetrics names the family without `_total` and its samples with it. */
export function sampleName(head: FamilyHead): string {
  return head.type === 'counter' ? `${familyName(head, 'openmetrics')}_total` : escapeText(head.name);
}

function familyName(head: FamilyHead, format: ExpositionFormat): string {
  if (head.type !== 'counter') return escapeText(head.name);
  const bare = escapeText(head.name).replace(/_total$/, '');
  return format === 'openmetrics' ? bare : `${bare}_total`;
}

/** A family's lines, HELP and TYPE first, onto `out`; text 0.0.4 separates families by a blank line. */
export function familyHead(head: FamilyHead, format: ExpositionFormat, out: string[]): void {
  if (format === 'text' && out.length > 0) out.push('');
  const name = familyName(head, format);
  out.push(`# HELP ${name} ${escapeText(head.help)}`, `# TYPE ${name} ${head.type}`);
}

/** The whole exposition from its families' lines, as prom-client's `metrics()` (and the text conversion) end it. */
export function exposition(lines: readonly string[], format: ExpositionFormat): string {
  return format === 'openmetrics' ? `${lines.join('\n')}\n# EOF\n` : `${lines.join('\n')}\n`;
}

/**
 * One value as prom-client hands it to its own formatter (`getForPromString` of a histogram, `get` of
 * the others): a histogram's bucket carries its `le` in `labels` and the series' labels, one object
 * per series, in `sharedLabels`. These fields are not in prom-client's typings.
 */
interface ExportedValue {
  value: number;
  labels?: LabelSet;
  sharedLabels?: LabelSet;
  metricName?: string;
  exemplar?: { labelSet: LabelSet; value: number; timestamp: number } | null;
}

interface ExportedFamily extends FamilyHead {
  values?: readonly ExportedValue[];
}

async function exported(metric: Metric): Promise<ExportedFamily> {
  const forString = (metric as { getForPromString?: () => Promise<ExportedFamily> }).getForPromString;
  const family = forString ? await forString.call(metric) : ((await metric.get()) as unknown as ExportedFamily);
  return { ...family, type: String(family.type) };
}

/**
 * Writes the families prom-client keeps (histograms, the counters and gauges the runtime updates,
 * node's metrics). Label text is cached by the identity of the labels object prom-client stores for
 * a series, so it lives exactly as long as the series does.
 */
export class PromClientWriter {
  private readonly ownText = new WeakMap<LabelSet, string>();
  /** A histogram series' label texts by its own label (the bucket's `le`: name, then value), under its shared labels object. */
  private readonly bySeries = new WeakMap<LabelSet, Map<string, Map<string | number, string>>>();

  private readonly exemplarTexts = new WeakMap<LabelSet, string>();

  constructor(private readonly defaults: LabelSet) {}

  async family(metric: Metric, format: ExpositionFormat, out: string[]): Promise<void> {
    const family = await exported(metric);
    const name = sampleName(family);
    familyHead(family, format, out);
    for (const v of family.values ?? []) {
      const line = `${v.metricName === undefined ? name : family.type === 'counter' ? `${v.metricName}_total` : v.metricName}${this.labelText(v)} ${sampleValue(v.value)}`;
      out.push(
        v.exemplar && format === 'openmetrics' ? `${line} # {${this.exemplarText(v.exemplar.labelSet)}} ${sampleValue(v.exemplar.value)} ${v.exemplar.timestamp}` : line,
      );
    }
  }

  /**
   * prom-client's order: the value's own labels, then the defaults it lacks, then the shared labels.
   * A histogram's bucket is a fresh `{le}` each render; its text is kept under its series' shared
   * labels, by bound.
   */
  private labelText(v: ExportedValue): string {
    const own = v.labels ?? {};
    const shared = v.sharedLabels;
    if (shared === undefined || Object.keys(shared).length === 0) return kept(this.ownText, own, () => braces(pairs(this.withDefaults(own))));
    const keys = Object.keys(own);
    if (keys.length > 1) return this.mergedText(own, shared);
    // prom-client's own labels here are one `le` (a bucket) or none (_sum, _count).
    const key = keys[0] ?? '';
    const byKey = kept(this.bySeries, shared, () => new Map<string, Map<string | number, string>>());
    return kept(kept(byKey, key, () => new Map<string | number, string>()), own[key] ?? '', () => this.mergedText(own, shared));
  }

  private mergedText(own: LabelSet, shared: LabelSet): string {
    const ownPairs = Object.entries(this.withDefaults(own))
      .filter(([k]) => !Object.hasOwn(shared, k))
      .map(([k, value]) => labelPair(k, value));
    return braces([...ownPairs, pairs(shared).join(',')]);
  }

  /** prom-client keeps a bucket's exemplar labels until the bucket's next exemplar replaces them. */
  private exemplarText(labelSet: LabelSet): string {
    return kept(this.exemplarTexts, labelSet, () => pairs(labelSet).join(','));
  }

  private withDefaults(labels: LabelSet): LabelSet {
    return { ...labels, ...this.defaults, ...labels };
  }
}

function kept<K extends object | string | number, V>(cache: { get(k: K): V | undefined; set(k: K, v: V): unknown }, key: K, make: () => V): V {
  let value = cache.get(key);
  if (value === undefined) {
    value = make();
    cache.set(key, value);
  }
  return value;
}

function pairs(labels: LabelSet): string[] {
  return Object.entries(labels).map(([k, v]) => labelPair(k, v));
}

function braces(parts: readonly string[]): string {
  const nonEmpty = parts.filter((p) => p !== '');
  return nonEmpty.length > 0 ? `{${nonEmpty.join(',')}}` : '';
}
