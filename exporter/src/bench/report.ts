/** The Markdown report of a bench run (bench-results.md, and what the terminal shows). */
import type { ClientRun, LevelResult, Results, Target, TtftFigures } from './results.js';
import { ERROR_RATIO, ERROR_SLACK_MS, FLOOR_OF, JUDGED_STREAMS } from './targets.js';

const ms = (v: number, digits = 1): string => v.toFixed(digits);
const size = (bytes: number): string => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(bytes % 1e6 ? 1 : 0)} MB` : `${Math.round(bytes / 1024)} KB`);

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

const verdict = (t: Target | undefined): string => {
  if (!t) return '';
  const r = t.ratio === null ? '' : `${t.ratio.toFixed(2)}x `;
  return `${r}${t.met === null ? '(not judged)' : t.met ? 'met' : `**missed** (limit ${ms(t.limit, 2)})`}`;
};

function levelRows(level: LevelResult, targets: readonly Target[]): string[][] {
  const find = (run: ClientRun, what: string): Target | undefined =>
    targets.find((t) => t.name === `${level.streams} streams, ${run.client} vs ${FLOOR_OF[run.client] ?? ''}: ${what}`);
  return level.runs.map((r) => [
    String(level.streams),
    r.client,
    `${r.requests}${r.failures ? ` (${r.failures} failed)` : ''}`,
    ms(r.errorMs.p50),
    ms(r.errorMs.p99),
    ms(r.errorMs.max),
    verdict(find(r, 'p50 TTFT error')),
    verdict(find(r, 'p99 TTFT error')),
    ms(r.cpuMsPerRequest, 2),
    verdict(find(r, 'CPU per request')),
    ms(r.startCpuMs, 0),
    ms(r.peakRssMb, 0),
  ]);
}

export function markdown(r: Results): string {
  const out: string[] = [];
  out.push(`# kvcanary bench (${r.mode}), ${r.generatedAt}`);
  out.push(
    `Node ${r.node}, ${r.cores} cores, load average ${r.loadAverage.start.toFixed(1)} at the start and ${r.loadAverage.end.toFixed(1)} at the end ` +
      `(other jobs' load, if any, is in every figure). Ground truth: first content ${r.stream.firstTokenMs} ms after arrival, ` +
      `${r.stream.chunks} chunks ${r.stream.chunkIntervalMs} ms apart. Corpus: ${r.corpus.dir ?? 'the default'} (${r.corpus.documents} documents, ` +
      `${Math.round(r.corpus.chars / 1024)} K characters). Seed ${r.seed}. ${Math.round(r.seconds)} s in all.`,
  );
  if (r.errors.length) out.push(`**Sections that failed:**\n\n${r.errors.map((e) => `- ${e}`).join('\n')}`);
  if (r.levels.length) {
    out.push('## TTFT error and CPU per request');
    out.push(
      `Error = the client's TTFT minus the server's own at the same percentile, in ms (a difference of order statistics: max can be ` +
        `below p99 when the server's own slowest stream was slow). kvcanary vs the workload floor with the same keep-alive: ` +
        `error at most ${ERROR_RATIO}x the floor's + ${ERROR_SLACK_MS} ms at ${JUDGED_STREAMS.join(', ')} streams (1,000 is headroom, not judged); ` +
        `CPU per request at most the floor's. Start CPU (process start, corpus, warm-up) is not in CPU per request.`,
    );
    out.push(
      table(
        ['streams', 'client', 'requests', 'err p50', 'err p99', 'err max', 'p50 vs floor', 'p99 vs floor', 'CPU ms/req', 'CPU vs floor', 'start CPU ms', 'peak RSS MB'],
        r.levels.flatMap((l) => levelRows(l, r.targets)),
      ),
    );
    const missing = r.levels.flatMap((l) => l.missing.map((m) => `- ${l.streams} streams, ${m.client}: ${m.reason}`));
    if (missing.length) out.push(missing.join('\n'));
  }
  if (r.startup) {
    out.push('## Start-up');
    out.push(`CPU to exit, median of ${r.startup.runs} runs: \`node -e 0\` ${ms(r.startup.nodeCpuMs, 0)} ms, \`kvcanary bench --help\` ${ms(r.startup.helpCpuMs, 0)} ms (peak RSS ${ms(r.startup.helpPeakRssMb, 0)} MB).`);
  }
  const f = r.footprint;
  if (f) {
    out.push('## serve as a sidecar');
    out.push(
      `Default pacing, one target, ${f.replicas} replica pages of ${size(f.pageBytes)}, /metrics scraped every ${f.metricsScrapeSeconds} s, ` +
        `${Math.round(f.seconds / 60)} min (${f.requests} requests): ${(f.cpuShare * 100).toFixed(2)}% of one core after the first tenth; ` +
        `RSS ${ms(f.rssMb.first, 0)} -> ${ms(f.rssMb.last, 0)} MB (max ${ms(f.rssMb.max, 0)}), last quarter vs second ${((f.rssRatio - 1) * 100).toFixed(1)}%.`,
    );
    out.push(table(['quarter', 'CPU % of a core', 'mean RSS MB'], f.quarters.map((q, i) => [String(i + 1), (q.cpuShare * 100).toFixed(2), ms(q.rssMb, 0)])));
  }
  const m = r.metricsRender;
  if (m) {
    out.push(
      `/metrics at ${m.targets} targets x ${m.turns} turns x ${m.docTypes} document types x ${m.replicasPerTarget} replicas ` +
        `(${m.ttftSeries} TTFT series, ${m.replicasUp} replicas up), ${m.scrapes} scrapes: ${ms(m.renderMs.p50)} ms median, ` +
        `${ms(m.renderMs.p99)} ms p99, ${ms(m.renderMs.max)} ms max, ${size(m.bytes)}.`,
    );
  }
  const i = r.interference;
  if (i) {
    out.push('## Interference: serve busy vs idle');
    out.push(
      `Busy: replica pages ${i.pages.map((p) => `${p.count} x ${size(p.bytes)}`).join(' + ')} (${i.replicasUp} up at the end), ` +
        `/api/v1/summary polled every second (${i.summaryPolls} answers), /metrics every 2 s (${i.metricsScrapes}). Idle: none of it.`,
    );
    const row = (name: string, f: TtftFigures): string[] => [
      name,
      `${f.requests}${f.failures ? ` (${f.failures} failed)` : ''}`,
      ms(f.errorMs.p50),
      ms(f.errorMs.p99),
      ms(f.errorMs.max),
      ms(f.cpuMsPerRequest, 2),
    ];
    out.push(table(['run', 'requests', 'err p50', 'err p99', 'err max', 'CPU ms/req'], [row('idle', i.idle), row('busy', i.busy)]));
  }
  out.push('## Targets');
  out.push(
    table(
      ['target', 'value', 'limit', 'ratio', 'verdict'],
      r.targets.map((t) => [
        t.name,
        `${ms(t.value, 2)} ${t.unit}`,
        `${ms(t.limit, 2)} ${t.unit}`,
        t.ratio === null ? '' : `${t.ratio.toFixed(2)}x`,
        `${t.met === null ? 'not judged' : t.met ? 'met' : '**missed**'}${t.note ? ` (${t.note})` : ''}`,
      ]),
    ),
  );
  const judged = r.targets.filter((t) => t.met !== null);
  out.push(`${judged.filter((t) => t.met).length} of ${judged.length} judged targets met.`);
  return `${out.join('\n\n')}\n`;
}
