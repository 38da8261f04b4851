import type { MetricDefinition } from '@kvcanary/contract';
import type { Summary } from '@kvcanary/contract/schemas';
import type { TargetReplicas } from '../replicas/index.js';
import { familyHead, labelPair, sampleName, sampleValue, type ExpositionFormat, type LabelSet } from './exposition.js';

/** What one render reads, taken once at its start and shared by every family it writes. */
export interface RenderSnapshot {
  /** One summary per target over its current window (turn keys already capped). */
  windows: readonly Summary[];
  replicas: readonly TargetReplicas[];
}

/** One series: its value, then its label values in the definition's order (the default labels left out). */
export type Emit = (value: number, l0: string, l1?: string, l2?: string) => void;
export type Rows = (snapshot: RenderSnapshot, emit: Emit) => void;

/**
 * The label texts of a family's series by their label values, one level per label: looking up the
 * snapshot's own strings is cheaper than hashing a key made of them at every render.
 */
interface Node {
  text?: string;
  /** The render that last wrote this series. */
  render: number;
  next?: Map<string, Node>;
}

/**
 * A family read from the snapshot at each render (window figures, replicas, the endpoint picker): no
 * prom-client state to reset and refill, its series are the snapshot's. Each series' label text is
 * escaped once and kept while the series is there: after a render that wrote fewer series than are
 * kept, the texts it did not use go, so a replica that left takes its texts with it.
 */
export class ReadFamily {
  /** The definition's labels less the default ones, which the writer appends, as prom-client does. */
  private readonly names: readonly string[];
  private readonly defaultsText: readonly string[];
  private readonly root: Node = { render: 0 };
  private kept = 0;
  private renders = 0;

  constructor(
    readonly definition: MetricDefinition,
    private readonly rows: Rows,
    defaults: LabelSet,
  ) {
    this.names = definition.labels.filter((l) => !Object.hasOwn(defaults, l));
    this.defaultsText = Object.entries(defaults).map(([k, v]) => labelPair(k, v));
  }

  write(snapshot: RenderSnapshot, format: ExpositionFormat, out: string[]): void {
    const name = sampleName(this.definition);
    const render = ++this.renders;
    familyHead(this.definition, format, out);
    let written = 0;
    this.rows(snapshot, (value, l0, l1, l2) => {
      let node = child(this.root, l0);
      if (l1 !== undefined) node = child(node, l1);
      if (l2 !== undefined) node = child(node, l2);
      if (node.text === undefined) {
        node.text = this.labelText([l0, l1, l2]);
        this.kept++;
      }
      if (node.render !== render) {
        node.render = render;
        written++;
      }
      out.push(`${name}${node.text} ${sampleValue(value)}`);
    });
    if (this.kept > written) this.kept -= sweep(this.root, render);
  }

  /** The same series as prom-client values, for the registered metric that prom-client's own render reads. */
  values(snapshot: RenderSnapshot): { labels: Record<string, string>; value: number }[] {
    const out: { labels: Record<string, string>; value: number }[] = [];
    this.rows(snapshot, (value, l0, l1, l2) => out.push({ labels: Object.fromEntries(this.pairs([l0, l1, l2])), value }));
    return out;
  }

  private labelText(values: readonly (string | undefined)[]): string {
    const all = [...this.pairs(values).map(([k, v]) => labelPair(k, v)), ...this.defaultsText];
    return all.length > 0 ? `{${all.join(',')}}` : '';
  }

  private pairs(values: readonly (string | undefined)[]): [string, string][] {
    return values.flatMap((v, i) => (v === undefined ? [] : [[this.names[i] as string, v] as [string, string]]));
  }
}

function child(node: Node, value: string): Node {
  node.next ??= new Map();
  let next = node.next.get(value);
  if (next === undefined) {
    next = { render: 0 };
    node.next.set(value, next);
  }
  return next;
}

/** Drops the series `render` did not write; returns how many label texts went. */
function sweep(node: Node, render: number): number {
  let dropped = 0;
  for (const [value, next] of node.next ?? []) {
    dropped += sweep(next, render);
    if (next.text !== undefined && next.render !== render) {
      next.text = undefined;
      dropped++;
    }
    if (next.text === undefined && (next.next?.size ?? 0) === 0) node.next?.delete(value);
  }
  return dropped;
}
