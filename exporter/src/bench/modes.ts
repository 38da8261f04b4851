/**
 * How big each section is in each mode. Default: the levels and a few minutes of sidecar;
 * --long: the sidecar over 30 minutes and the interference over a full default window (5,000
 * requests); --quick: every section at its smallest with a faster stream, seconds in all, for the
 * sanity test.
 */
import type { LevelPlan } from './clients.js';
import type { HarnessOptions } from './harness-args.js';
import type { InterferencePlan } from './interference.js';
import { TYPICAL_PAGE_BYTES } from './pages.js';
import { DEFAULT_STREAM, type StreamShape } from './protocol.js';
import type { FootprintPlan, RenderPlan } from './sidecar.js';

export interface ModePlans {
  stream: StreamShape;
  startupRuns: number;
  levels: LevelPlan[];
  footprint: FootprintPlan;
  render: Omit<RenderPlan, 'docTypes'>;
  interference: InterferencePlan;
}

const LEVELS = [4, 32, 128, 256, 1000];
const TURNS = 10;
/** At least this many conversations, so that the 4-stream level still has 240 requests for its p99. */
const MIN_CONVERSATIONS = 24;
/** The shape of issue 11's interference scenario: eight 1 MB replica pages and two of 7 MB. */
const BIG_PAGES = [
  { bytes: 1_000_000, count: 8 },
  { bytes: 7_000_000, count: 2 },
];

export function plansFor(options: HarnessOptions): ModePlans {
  const quick = options.mode === 'quick';
  const long = options.mode === 'long';
  const stream: StreamShape = { ...(quick ? { firstTokenMs: 20, chunks: 10, chunkIntervalMs: 2 } : DEFAULT_STREAM), ...options.stream };
  const turns = quick ? 3 : TURNS;
  const level = (streams: number): LevelPlan => ({ streams, conversations: quick ? streams : Math.max(streams, MIN_CONVERSATIONS), turns });
  return {
    stream,
    startupRuns: quick ? 1 : long ? 10 : 5,
    levels: (options.levels ?? (quick ? [4] : LEVELS)).map(level),
    footprint: quick
      ? { seconds: 6, sampleSeconds: 1, scrapeSeconds: 2, replicas: 2, pageBytes: TYPICAL_PAGE_BYTES }
      : { seconds: long ? 1800 : 180, sampleSeconds: long ? 10 : 5, scrapeSeconds: 15, replicas: 4, pageBytes: TYPICAL_PAGE_BYTES },
    render: quick
      ? { targets: 2, turns, replicasPerTarget: 8, pageBytes: TYPICAL_PAGE_BYTES, scrapes: 3, scrapeGapMs: 1100, coverageTimeoutMs: 30_000 }
      : { targets: 8, turns: TURNS, replicasPerTarget: 64, pageBytes: TYPICAL_PAGE_BYTES, scrapes: long ? 20 : 10, scrapeGapMs: 1500, coverageTimeoutMs: 120_000 },
    interference: {
      streams: 4,
      conversations: quick ? 4 : long ? 500 : 100,
      turns,
      pages: quick ? BIG_PAGES.map((p) => ({ ...p, bytes: p.bytes / 10 })) : BIG_PAGES,
    },
  };
}
