/**
 * What a PromQL expression reads, taken from Prometheus's own grammar (@prometheus-io/lezer-promql, the
 * parser behind Prometheus's web UI) rather than from regular expressions over the text.
 */
import { parser } from '@prometheus-io/lezer-promql';

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

export interface LabelMatcher {
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

export interface Selector {
  /** The series name before the braces. */
  series: string;
  matchers: LabelMatcher[];
  /** Read through rate() or increase() over a range: how a counter must be read. */
  inRateOrIncrease: boolean;
}

/** Grafana's variables replaced by values that keep the PromQL valid, so it parses. */
export function withGrafanaVariablesResolved(expr: string): string {
  return expr
    .replace(/\$__rate_interval|\$__interval/g, '1m')
    .replace(/\$__range/g, '1h')
    .replace(/\$(target|baseline|candidate|vantage)/g, 'x');
}

/** `label_values(SELECTOR, label)` is Grafana's, not PromQL: its selector is what must parse. */
export function asPromQL(expr: string): string {
  const m = /^label_values\((.*),\s*\w+\)$/.exec(expr);
  return withGrafanaVariablesResolved(m?.[1] ?? expr);
}

function unquote(literal: string): string {
  return JSON.parse(literal.replace(/^'|'$/g, '"')) as string;
}

function readsThroughRate(selector: SyntaxNode, text: (n: SyntaxNode) => string): boolean {
  const range = selector.parent;
  const call = range?.name === 'MatrixSelector' ? range.parent?.parent : null;
  const fn = call?.name === 'FunctionCall' ? call.getChild('FunctionIdentifier') : null;
  return fn !== null && fn !== undefined && /^(rate|increase)$/.test(text(fn));
}

/** Every vector selector of a PromQL expression; throws on what the grammar cannot parse. */
export function selectors(expr: string): Selector[] {
  const text = (n: SyntaxNode): string => expr.slice(n.from, n.to);
  const found: Selector[] = [];
  parser.parse(expr).iterate({
    enter: (ref) => {
      if (ref.type.isError) throw new Error(`PromQL does not parse at ${ref.from}: ${expr}`);
      if (ref.name !== 'VectorSelector') return;
      const node = ref.node;
      const name = node.getChild('Identifier');
      const matchers = (node.getChild('LabelMatchers')?.getChildren('UnquotedLabelMatcher') ?? []).map((m): LabelMatcher => {
        const [label, op, value] = [m.getChild('LabelName'), m.getChild('MatchOp'), m.getChild('StringLiteral')].map((n) => (n ? text(n) : ''));
        return { label: label ?? '', op: (op ?? '=') as LabelMatcher['op'], value: unquote(value ?? '""') };
      });
      found.push({ series: name ? text(name) : '', matchers, inRateOrIncrease: readsThroughRate(node, text) });
    },
  });
  return found;
}

/** The series name when the whole expression is one selector (its result keeps `__name__`), else null. */
export function bareSeries(expr: string): string | null {
  const top = parser.parse(expr).topNode.firstChild;
  if (top?.name !== 'VectorSelector' || top.nextSibling) return null;
  const name = top.getChild('Identifier');
  return name ? expr.slice(name.from, name.to) : null;
}
