/**
 * The kvcanary overview dashboard: the baseline-vs-candidate comparison on top, then what moves it
 * (TTFT tails, by turn, cache speedup), the replicas behind it (KV hit, KV usage, GPU, queues) and the
 * probes' health (errors by outcome, firing alerts).
 *
 * Built with the classic (v1) dashboard model: file provisioning in Grafana 10 to 13 reads it as is.
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import {
  DashboardBuilder,
  DashboardCursorSync,
  DatasourceVariableBuilder,
  PanelBuilder as GenericPanelBuilder,
  QueryVariableBuilder,
  RowBuilder,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import * as common from '@grafana/grafana-foundation-sdk/common';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as TableBuilder } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeseriesBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { FIGURE_IDS, panelFigures } from '@kvcanary/contract';
import { comparisonQueries, overviewQueries, variableQueries, type Query } from './queries.js';

export const mainDashboardUid = 'kvcanary-overview';
export const comparisonPanelType = 'kvcanary-comparison-panel';

/** Every query goes to the data source the `datasource` variable picks. */
const datasource = { type: 'prometheus', uid: '${datasource}' };

function promQuery(q: Query, refId: string, instant = false): DataqueryBuilder {
  const b = new DataqueryBuilder().datasource(datasource).expr(q.expr).legendFormat(q.legend || '__auto').refId(refId);
  // time_series format even when instant: one frame per series, its labels on the value field and the query's refId on the frame.
  return instant ? b.instant().format(PromQueryFormat.TimeSeries) : b.range();
}

const refIds = (i: number): string => String.fromCharCode(65 + i);

function timeseries(title: string, description: string, queries: Query[], unit: string, width: number): TimeseriesBuilder {
  let panel = new TimeseriesBuilder()
    .title(title)
    .description(description)
    .datasource(datasource)
    .unit(unit)
    .span(width)
    .height(8)
    .lineWidth(1)
    .fillOpacity(5)
    .legend(new common.VizLegendOptionsBuilder().displayMode(common.LegendDisplayMode.Table).placement(common.LegendPlacement.Bottom).showLegend(true).calcs(['lastNotNull', 'max']))
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending));
  queries.forEach((q, i) => {
    panel = panel.withTarget(promQuery(q, refIds(i)));
  });
  return panel;
}

function variables(): cog.Builder<import('@grafana/grafana-foundation-sdk/dashboard').VariableModel>[] {
  const targetVariable = (name: string, label: string, query: string, description: string): QueryVariableBuilder =>
    new QueryVariableBuilder(name)
      .label(label)
      .description(description)
      .datasource(datasource)
      .query(query)
      .definition(query)
      .refresh(VariableRefresh.OnTimeRangeChanged)
      .sort(VariableSort.AlphabeticalAsc)
      // Without roles in the exporter's config there is nothing to list: type a target name instead.
      .allowCustomValue(true);
  return [
    new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'),
    targetVariable('target', 'Targets', variableQueries.target, 'Targets shown in the time series panels.').multi(true).includeAll(true).allValue('.*'),
    targetVariable('baseline', 'Baseline', variableQueries.baseline, 'The target the comparison panel treats as baseline (role "baseline" in the exporter config).'),
    targetVariable('candidate', 'Candidate', variableQueries.candidate, 'The target compared against the baseline (role "candidate").'),
    targetVariable('vantage', 'Vantages', variableQueries.vantage, 'Vantage points (where exporters probe from) shown in the per-vantage panels; every other figure is over all of them.')
      .multi(true)
      .includeAll(true)
      .allValue('.*'),
  ];
}

function comparisonPanel(): GenericPanelBuilder {
  let panel = new GenericPanelBuilder()
    .type(comparisonPanelType)
    .title('Baseline vs candidate: $baseline vs $candidate')
    .description(
      'P50/P95/P99 TTFT, cache speedup, first vs later turns, TTFT by turn and per-replica KV/GPU figures of the two targets, ' +
        'with the improvement in % and x. Figures are over the recording rules\' 5m window at the end of the time range.',
    )
    .datasource(datasource)
    .span(24)
    .height(15)
    .options({ targetLabel: 'target', baseline: '$baseline', candidate: '$candidate' });
  for (const id of FIGURE_IDS) panel = panel.withTarget(promQuery(comparisonQueries[id], panelFigures[id].refId, true));
  return panel;
}

function alertsPanel(): TableBuilder {
  const [q] = overviewQueries.alerts;
  if (!q) throw new Error('overviewQueries.alerts is empty');
  return new TableBuilder()
    .title('kvcanary alerts pending or firing')
    .description('Prometheus\'s own ALERTS series for the KVCanary* rules (monitoring/prometheus/kvcanary-rules.yml), now.')
    .datasource(datasource)
    .span(12)
    .height(8)
    .noValue('No kvcanary alert is pending or firing')
    .withTarget(promQuery(q, 'A', true))
    // The table shows labels; the instant query's time and value columns say nothing here.
    .withTransformation({ id: 'organize', options: { excludeByName: { Time: true, Value: true } } });
}

export function buildMainDashboard(): DashboardBuilder {
  const q = overviewQueries;
  return new DashboardBuilder('kvcanary: multi-turn TTFT and KV-cache canary')
    .uid(mainDashboardUid)
    .description(
      'What users feel in multi-turn conversations: TTFT by turn, cache speedup and tails, per target and per replica. ' +
        'Generated from dashboards/src/main-dashboard.ts by `npm run generate -w dashboards`: edit that, not this JSON.',
    )
    .tags(['kvcanary', 'llm', 'generated'])
    .editable()
    .tooltip(DashboardCursorSync.Crosshair)
    .refresh('30s')
    .time({ from: 'now-3h', to: 'now' })
    .timezone('browser')
    .variables(variables())
    .withPanel(comparisonPanel())
    .withRow(new RowBuilder('Time to first token'))
    .withPanel(timeseries('TTFT P50 / P95 / P99', 'histogram_quantile over sum by (le, target) of the TTFT buckets (5m rate), per target.', q.ttftPercentiles, 's', 12))
    .withPanel(timeseries('TTFT P95 by vantage', 'The same P95 split by where the exporters probe from: a regression seen from one place only (network, region).', q.ttftP95ByVantage, 's', 12))
    .withPanel(timeseries('Mean TTFT by turn', 'Later turns resend the conversation: with a working prefix cache they are much faster than turn 1.', q.ttftByTurn, 's', 12))
    .withPanel(timeseries('Cache speedup (turn 1 mean / later turns mean)', 'Falls towards 1 when later turns stop hitting the prefix cache (e.g. round-robin routing).', q.cacheSpeedup, 'x', 12))
    .withPanel(timeseries('Candidate / baseline', 'Above 1: the candidate is slower (TTFT) or has a larger speedup. Needs roles in the exporter config.', q.candidateOverBaseline, 'x', 12))
    .withPanel(
      timeseries(
        'Where TTFT goes: client, engine and the rest',
        "Mean TTFT the canary measures, the replicas' own mean TTFT (vllm:time_to_first_token_seconds, over every request they served), and the difference: gateway, endpoint picker, network and queues in front of the engine.",
        q.ttftSplit,
        's',
        12,
      ),
    )
    .withPanel(timeseries('Inside the engine: queue, prefill, preemptions', "The replicas' own mean queue and prefill times (part of their TTFT) and their preemption rate.", q.engineInside, 's', 12))
    .withRow(new RowBuilder('Replicas'))
    .withPanel(timeseries('Prefix-cache hit ratio per replica', 'rate(hits) / rate(queries) over 5m: recent behaviour, not a lifetime average.', q.replicaKvHit, 'percentunit', 8).min(0).max(1))
    .withPanel(timeseries('KV-cache usage per replica', 'Share of KV-cache blocks in use; near 1 the cache evicts prefixes.', q.replicaKvUsage, 'percentunit', 8).min(0).max(1))
    .withPanel(timeseries('GPU utilisation per replica', 'From the DCGM exporter (or the simulator), averaged over the replica\'s GPUs.', q.replicaGpu, 'percentunit', 8).min(0).max(1))
    .withPanel(
      timeseries(
        'Requests running / waiting per replica',
        "Queueing shows up here before it shows up in TTFT. 'waiting (endpoint picker)' is the queue llm-d's scheduler last saw for the pod: far from the pod's own figure, its picture is stale.",
        q.replicaQueue,
        'short',
        24,
      ),
    )
    .withRow(new RowBuilder('Probes'))
    .withPanel(timeseries('Failed probe requests by outcome', 'Per second, outcome != success, by target and vantage.', q.errorsByOutcome, 'reqps', 12))
    .withPanel(alertsPanel())
    .withPanel(timeseries('Probe error ratio', 'Share of probe requests that did not succeed (5m).', q.errorRatio, 'percentunit', 12).min(0));
}

/** The JSON Grafana provisions, stable key order and a trailing newline so the committed copy diffs cleanly. */
export function renderMainDashboard(): string {
  return JSON.stringify(buildMainDashboard().build(), null, 2) + '\n';
}
