/**
 * The text 0.0.4 exposition that an OpenMetrics one means, for tests: the exporter keeps ONE registry,
 * in OpenMetrics mode, because prom-client only records exemplars on metrics created in an OpenMetrics
 * registry (prom-client's README, "Exemplars"), and writes the text format itself
 * (metrics/exposition.ts); its tests check that it equals this conversion of prom-client's own
 * OpenMetrics: exemplars and `# EOF` dropped, counter families renamed back to their `_total` names
 * (OpenMetrics names the family without the suffix, text format 0.0.4 with it).
 */
export function openMetricsToText(om: string): string {
  const lines = om.split('\n');
  const counters = new Set<string>();
  for (const line of lines) {
    const m = /^# TYPE (\S+) counter$/.exec(line);
    if (m) counters.add(m[1] as string);
  }
  const out: string[] = [];
  let previousFamily = '';
  for (const line of lines) {
    if (line === '' || line === '# EOF') continue;
    const meta = /^# (HELP|TYPE) (\S+)(.*)$/.exec(line);
    if (meta) {
      const [, kind, family, rest] = meta as unknown as [string, string, string, string];
      if (kind === 'HELP' && previousFamily !== '' && family !== previousFamily) out.push('');
      previousFamily = family;
      out.push(`# ${kind} ${counters.has(family) ? `${family}_total` : family}${rest}`);
      continue;
    }
    out.push(line.startsWith('#') ? line : stripExemplar(line));
  }
  return `${out.join('\n')}\n`;
}

/** `name{l="v # {"} 1 # {id="x"} 0.2 1700000000` -> `name{l="v # {"} 1`, reading label values as quoted strings. */
function stripExemplar(line: string): string {
  let i = line.indexOf('{');
  const space = line.indexOf(' ');
  if (i !== -1 && (space === -1 || i < space)) {
    // Skip the label set, honouring quotes and escapes inside values.
    let quoted = false;
    for (i = i + 1; i < line.length; i++) {
      const c = line[i];
      if (quoted) {
        if (c === '\\') i++;
        else if (c === '"') quoted = false;
      } else if (c === '"') quoted = true;
      else if (c === '}') break;
    }
  } else i = 0;
  const hash = line.indexOf(' # ', i);
  return hash === -1 ? line : line.slice(0, hash);
}
