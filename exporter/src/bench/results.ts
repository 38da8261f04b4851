/**
 * The results file of `npm run bench` (bench-results.json): one zod schema, the types derived from
 * it, read back by the sanity test. Times in ms unless named otherwise; CPU shares are fractions of
 * one core. Every TTFT error is the client's TTFT minus the ground-truth server's own at the same
 * percentile, over the same requests.
 */
import { z } from 'zod';

export const RESULTS_VERSION = 1;

export const CLIENTS = ['floor-keepalive', 'bench-keepalive', 'floor', 'bench', 'serve'] as const;
export type ClientName = (typeof CLIENTS)[number];

const tail = z.object({ p50: z.number(), p99: z.number(), max: z.number() });
export type Tail = z.infer<typeof tail>;

/** TTFTs of one measured run beside the server's, and the error between them. */
const ttftFigures = z.object({
  requests: z.number().int(),
  failures: z.number().int(),
  ttftMs: tail,
  truthMs: tail,
  errorMs: tail,
  cpuMsPerRequest: z.number(),
});
export type TtftFigures = z.infer<typeof ttftFigures>;

const clientRun = ttftFigures.extend({
  client: z.enum(CLIENTS),
  keepAlive: z.boolean(),
  /** False when the client stopped before every measured stream completed (some failed). */
  complete: z.boolean(),
  /** CPU up to the end of the warm-up: process start, module loading, corpus, the warm-up requests. */
  startCpuMs: z.number(),
  peakRssMb: z.number(),
  measuredSeconds: z.number(),
});
export type ClientRun = z.infer<typeof clientRun>;

const level = z.object({
  streams: z.number().int(),
  conversations: z.number().int(),
  turns: z.number().int(),
  runs: z.array(clientRun),
  /** Clients not run at this level, or whose run failed, and why. */
  missing: z.array(z.object({ client: z.enum(CLIENTS), reason: z.string() })),
});
export type LevelResult = z.infer<typeof level>;

const startup = z.object({
  runs: z.number().int(),
  /** Medians over the runs: a bare `node -e 0`, and `kvcanary bench --help`. */
  nodeCpuMs: z.number(),
  helpCpuMs: z.number(),
  helpPeakRssMb: z.number(),
});
export type StartupResult = z.infer<typeof startup>;

const quarter = z.object({ cpuShare: z.number(), rssMb: z.number() });

const footprint = z.object({
  seconds: z.number(),
  replicas: z.number().int(),
  pageBytes: z.number().int(),
  metricsScrapeSeconds: z.number(),
  requests: z.number().int(),
  /** Over the run after its first tenth (start-up and the first conversations left out). */
  cpuShare: z.number(),
  rssMb: z.object({ first: z.number(), last: z.number(), max: z.number() }),
  quarters: z.array(quarter),
  /** Mean RSS of the last quarter over the second quarter's: 1 is flat. */
  rssRatio: z.number(),
});
export type FootprintResult = z.infer<typeof footprint>;

const metricsRender = z.object({
  targets: z.number().int(),
  turns: z.number().int(),
  docTypes: z.number().int(),
  replicasPerTarget: z.number().int(),
  /** What the rendered page held when it was timed. */
  ttftSeries: z.number().int(),
  replicasUp: z.number().int(),
  scrapes: z.number().int(),
  renderMs: tail,
  bytes: z.number().int(),
});
export type MetricsRenderResult = z.infer<typeof metricsRender>;

const interference = z.object({
  idle: ttftFigures,
  busy: ttftFigures,
  pages: z.array(z.object({ bytes: z.number().int(), count: z.number().int() })),
  /** Replicas scraped successfully at the end of the busy run (kvcanary_replica_up 1). */
  replicasUp: z.number().int(),
  summaryPolls: z.number().int(),
  metricsScrapes: z.number().int(),
});
export type InterferenceResult = z.infer<typeof interference>;

const target = z.object({
  /** What is judged, e.g. "bench-keepalive 32 streams p99 error". */
  name: z.string(),
  value: z.number(),
  limit: z.number(),
  unit: z.string(),
  /** value / the floor's (or the idle run's) figure; null where there is none to divide by. */
  ratio: z.number().nullable(),
  /** null: not judged in this mode (see note). */
  met: z.boolean().nullable(),
  note: z.string().optional(),
});
export type Target = z.infer<typeof target>;

export const resultsSchema = z.object({
  version: z.literal(RESULTS_VERSION),
  generatedAt: z.string(),
  mode: z.enum(['quick', 'default', 'long']),
  node: z.string(),
  cores: z.number().int(),
  /** 1-minute load average at the start and the end: the machine is shared, this shows how much. */
  loadAverage: z.object({ start: z.number(), end: z.number() }),
  seconds: z.number(),
  stream: z.object({ firstTokenMs: z.number(), chunks: z.number().int(), chunkIntervalMs: z.number() }),
  corpus: z.object({ dir: z.string().nullable(), documents: z.number().int(), chars: z.number().int() }),
  seed: z.number().int(),
  startup: startup.nullable(),
  levels: z.array(level),
  footprint: footprint.nullable(),
  metricsRender: metricsRender.nullable(),
  interference: interference.nullable(),
  targets: z.array(target),
  /** Sections that failed, with the reason; the run still reports the rest. */
  errors: z.array(z.string()),
});
export type Results = z.infer<typeof resultsSchema>;
