/**
 * Targets and replicas named after the words figures are made of ("first", "later", "p95", "hit", "gpu",
 * "ms"), with legends that repeat them: every cell must still show its own number, whatever shape the
 * frames come in. Each figure has a value no other figure has, so a number in the wrong cell shows.
 */
import { type DataFrame } from '@grafana/data';
import { render, screen, within } from '@testing-library/react';
import React from 'react';
import { FixtureReplica, FixtureTarget, NOW } from '../fixtures/figures';
import { allSeries, joinedTable, seriesFrames, tableFrames, type SeriesOptions } from '../fixtures/frames';
import { panelProps } from '../fixtures/panel-props';
import { framesToViewModel } from '../model/frames';
import { DEFAULT_OPTIONS } from '../options';
import { ComparisonPanel } from './ComparisonPanel';

/** A replica: KV hit, KV usage, GPUs, probes served, requests running (waiting: running + 10; the endpoint picker's view: running + 20). */
const replica = (name: string, hit: number, kv: number, gpus: number[], probes: number, running: number): FixtureReplica => ({
  name,
  hitRatio: hit,
  kvUsage: kv,
  gpuUtil: gpus,
  running,
  waiting: running + 10,
  probeRequests: probes,
  up: true,
  schedulerQueue: running + 20,
});

/** Canary latencies, and the engine's own: mean TTFT, queue and prefill. */
type Latencies = Record<'p50' | 'p95' | 'p99' | 'first' | 'later' | 'mean' | 'engine' | 'queue' | 'prefill', number>;
type Rest = Pick<FixtureTarget, 'cacheSpeedup' | 'turnMs' | 'outcomes' | 'replicas' | 'tokens'>;

const target = (name: string, ms: Latencies, rest: Rest): FixtureTarget => ({
  name,
  model: 'Qwen/Qwen3-0.6B',
  p50Ms: ms.p50,
  p95Ms: ms.p95,
  p99Ms: ms.p99,
  firstTurnMs: ms.first,
  laterTurnsMs: ms.later,
  lastSuccessMs: NOW - 4000,
  ttftMeanMs: ms.mean,
  engine: { ttftMs: ms.engine, queueMs: ms.queue, prefillMs: ms.prefill },
  ...rest,
});

const FIRSTPARTY = target('firstparty', { p50: 101, p95: 611, p99: 911, first: 450, later: 300, mean: 333, engine: 177, queue: 23, prefill: 129 }, {
  cacheSpeedup: 1.5,
  tokens: { prompt: 4000, cached: 1000 },
  turnMs: [451, 320, 280],
  outcomes: { success: 40, timeout: 2 },
  replicas: [
    replica('whitehit-0', 0.71, 0.23, [0.35, 0.45], 17, 1),
    replica('gpu-1', 0.62, 0.57, [0.81], 12, 2),
    replica('ms-east', 0.44, 0.09, [0.05], 9, 3),
  ],
});
const LATER_TEAM = target('later-team', { p50: 82, p95: 287, p99: 733, first: 480, later: 150, mean: 211, engine: 91, queue: 13, prefill: 57 }, {
  cacheSpeedup: 3.2,
  // The server never reported cached tokens: not reported, not 0 %.
  tokens: { prompt: 5000, cached: null },
  turnMs: [481, 160, 140],
  outcomes: { success: 37 },
  replicas: [
    replica('whitehit-0', 0.93, 0.48, [0.66], 21, 4),
    replica('gpu-1', 0.89, 0.52, [0.58, 0.62], 19, 5),
    replica('ms-east', 0.97, 0.31, [0.27], 23, 6),
  ],
});
const P95 = target('p95', { p50: 140, p95: 520, p99: 690, first: 400, later: 200, mean: 277, engine: 143, queue: 31, prefill: 97 }, {
  cacheSpeedup: 2,
  tokens: { prompt: 3000, cached: 600 },
  turnMs: [401, 210, 190],
  outcomes: { success: 30 },
  replicas: [replica('whitehit-0', 0.55, 0.14, [0.72], 11, 7), replica('gpu-1', 0.58, 0.66, [0.12], 13, 8)],
});
const HIT_TEAM = target('hit-team', { p50: 70, p95: 260, p99: 410, first: 440, later: 110, mean: 193, engine: 61, queue: 7, prefill: 43 }, {
  cacheSpeedup: 4,
  tokens: { prompt: 2000, cached: 1800 },
  turnMs: [441, 120, 100],
  outcomes: { success: 28, http_error: 3 },
  replicas: [replica('ms-east', 0.99, 0.77, [0.15, 0.25], 31, 9), replica('gpu-1', 0.96, 0.34, [0.93], 29, 0)],
});
const TARGETS = [FIRSTPARTY, LATER_TEAM, P95, HIT_TEAM];

function renderPanel(series: DataFrame[], baseline: string, candidate: string) {
  return render(<ComparisonPanel {...panelProps({ series }, { options: { baseline, candidate }, height: 900 })} />);
}

/** Every row of a table as its cells' text, the row header first. */
function rowsOf(name: string): string[][] {
  return within(screen.getByRole('table', { name }))
    .getAllByRole('row')
    .slice(1)
    .map((row) => [...row.querySelectorAll('th, td')].map((c) => c.textContent ?? ''));
}

/** What a user must read for one pair: table rows (header cell first), freshness lines, turn bar tooltips. */
interface ExpectedView {
  baseline: string;
  candidate: string;
  ttft: string[][];
  means: string[][];
  split: string[][];
  replicas: Record<string, string[][]>;
  freshness: Record<string, string>;
  bars: string[];
}

const VIEWS: ExpectedView[] = [
  {
    baseline: 'firstparty',
    candidate: 'later-team',
    ttft: [
      ['P50', '101 ms', '82 ms', '19% faster'],
      ['P95', '611 ms', '287 ms', '53% faster'],
      ['P99', '911 ms', '733 ms', '20% faster'],
      ['Cache speedup', '1.50×', '3.20×', '2.1× better'],
    ],
    means: [
      ['First turn', '450 ms', '480 ms', '7% slower'],
      ['Later turns', '300 ms', '150 ms', '50% faster'],
    ],
    // Outside the engine: 333 - 177 = 156 and 211 - 91 = 120.
    split: [
      ['Canary (client)', '333 ms', '211 ms', '37% faster'],
      ['In the engine', '177 ms', '91 ms', '49% faster'],
      ['… of which queue', '23 ms', '13 ms', '43% faster'],
      ['… of which prefill', '129 ms', '57 ms', '56% faster'],
      ['Outside the engine', '156 ms', '120 ms', '23% faster'],
    ],
    replicas: {
      firstparty: [
        ['gpu-1', '62%', '57%', '81%', '12 (picker 22)', '12'],
        ['ms-east', '44%', '9%', '5%', '13 (picker 23)', '9'],
        ['whitehit-0', '71%', '23%', '40%', '11 (picker 21)', '17'],
      ],
      'later-team': [
        ['gpu-1', '89%', '52%', '60%', '15 (picker 25)', '19'],
        ['ms-east', '97%', '31%', '27%', '16 (picker 26)', '23'],
        ['whitehit-0', '93%', '48%', '66%', '14 (picker 24)', '21'],
      ],
    },
    freshness: {
      firstparty: 'firstparty: 42 requests (2 failed) · last success 4 s ago · 25% of prompt tokens cached',
      'later-team': 'later-team: 37 requests · last success 4 s ago · cached tokens not reported',
    },
    bars: ['Turn 1, firstparty: 451 ms', 'Turn 2, firstparty: 320 ms', 'Turn 3, later-team: 140 ms'],
  },
  {
    baseline: 'p95',
    candidate: 'hit-team',
    ttft: [
      ['P50', '140 ms', '70 ms', '50% faster'],
      ['P95', '520 ms', '260 ms', '50% faster'],
      ['P99', '690 ms', '410 ms', '41% faster'],
      ['Cache speedup', '2.00×', '4.00×', '2.0× better'],
    ],
    means: [
      ['First turn', '400 ms', '440 ms', '10% slower'],
      ['Later turns', '200 ms', '110 ms', '45% faster'],
    ],
    // Outside the engine: 277 - 143 = 134 and 193 - 61 = 132.
    split: [
      ['Canary (client)', '277 ms', '193 ms', '30% faster'],
      ['In the engine', '143 ms', '61 ms', '57% faster'],
      ['… of which queue', '31 ms', '7 ms', '77% faster'],
      ['… of which prefill', '97 ms', '43 ms', '56% faster'],
      ['Outside the engine', '134 ms', '132 ms', '1% faster'],
    ],
    replicas: {
      p95: [
        ['gpu-1', '58%', '66%', '12%', '18 (picker 28)', '13'],
        ['whitehit-0', '55%', '14%', '72%', '17 (picker 27)', '11'],
      ],
      'hit-team': [
        ['gpu-1', '96%', '34%', '93%', '10 (picker 20)', '29'],
        ['ms-east', '99%', '77%', '20%', '19 (picker 29)', '31'],
      ],
    },
    freshness: {
      p95: 'p95: 30 requests · last success 4 s ago · 20% of prompt tokens cached',
      'hit-team': 'hit-team: 31 requests (3 failed) · last success 4 s ago · 90% of prompt tokens cached',
    },
    bars: ['Turn 1, p95: 401 ms', 'Turn 2, hit-team: 120 ms', 'Turn 3, p95: 190 ms'],
  },
];

const shapes: Array<[string, (options: SeriesOptions) => DataFrame[]]> = [
  ['series frames of a range query', (o) => seriesFrames(allSeries(TARGETS, o))],
  ['series frames of an instant query', (o) => seriesFrames(allSeries(TARGETS, o), { points: 'instant' })],
  ['dataplane series frames', (o) => seriesFrames(allSeries(TARGETS, o), { dataplane: true })],
  ['instant vectors in table format', (o) => tableFrames(allSeries(TARGETS, o))],
  ['a joined table', (o) => [joinedTable(allSeries(TARGETS, o))]],
];
const naming: Array<[string, SeriesOptions]> = [
  ['names as the dashboard returns them', { names: 'dashboard' }],
  ['no names, refIds only', { names: 'none' }],
];

describe.each(shapes)('names that collide with figure words, from %s', (_, frames) => {
  describe.each(naming)('with %s', (__, names) => {
    it.each(VIEWS)('$baseline vs $candidate: every cell shows its own number', (view) => {
      renderPanel(frames(names), view.baseline, view.candidate);
      expect(screen.queryAllByRole('alert')).toEqual([]);
      expect(rowsOf('TTFT')).toEqual(view.ttft);
      expect(rowsOf('Mean TTFT')).toEqual(view.means);
      expect(rowsOf('Where TTFT goes (mean)')).toEqual(view.split);
      for (const side of [view.baseline, view.candidate]) {
        expect(rowsOf(`Replicas of ${side}`)).toEqual(view.replicas[side]);
        expect(screen.getByTestId(`freshness-${side}`).textContent).toBe(view.freshness[side]);
      }
      const chart = screen.getByRole('img', { name: 'TTFT by turn' });
      for (const bar of view.bars) {
        expect(within(chart).getByText(bar)).toBeInTheDocument();
      }
    });

    it('the figures no table shows land on the right replica too (running, waiting, up)', () => {
      const options = { ...DEFAULT_OPTIONS, baseline: 'firstparty', candidate: 'hit-team' };
      const view = framesToViewModel({ series: frames(names), options });
      expect(view.baseline?.replicas.map((r) => [r.name, r.running, r.waiting, r.up])).toEqual([
        ['gpu-1', 2, 12, true],
        ['ms-east', 3, 13, true],
        ['whitehit-0', 1, 11, true],
      ]);
      expect(view.candidate?.replicas.map((r) => [r.name, r.running, r.waiting])).toEqual([
        ['gpu-1', 0, 10],
        ['ms-east', 9, 19],
      ]);
      expect([view.baseline?.up, view.candidate?.lastSuccessMs]).toEqual([true, NOW - 4000]);
    });
  });
});
