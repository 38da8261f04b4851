/**
 * The label values whose meaning is fixed by kvcanary, and the rules that turn free text into label
 * values. Everything that writes or reads one of these labels imports it from here.
 */

/**
 * What happened to one canary request: the `outcome` label's whole set. `model_lookup_error` is a
 * failed `GET /models` of a target whose model is discovered: no conversation could start, and the
 * failure still counts in `kvcanary_requests_total`, so the error-ratio alert sees a target that
 * cannot even be asked. `missing_secret`: the request was not sent, because the target's API key
 * (apiKeyEnv / apiKeyFile) could not be read.
 */
export const OUTCOMES = [
  'success',
  'http_error',
  'timeout',
  'connect_error',
  'stream_error',
  'empty_response',
  'cancelled',
  'model_lookup_error',
  'missing_secret',
] as const;
export type Outcome = (typeof OUTCOMES)[number];
export const SUCCESS: Outcome = 'success';
export const MODEL_LOOKUP_ERROR: Outcome = 'model_lookup_error';
export const MISSING_SECRET: Outcome = 'missing_secret';

/** The `model` label of a target's series while its model is not known yet (it is being discovered). */
export const UNKNOWN_MODEL = 'unknown';

/** A target's side in the baseline-vs-candidate comparison. */
export const ROLES = ['baseline', 'candidate'] as const;
export type Role = (typeof ROLES)[number];
/** Each side by name, for the rules and dashboards that select one (`role="baseline"`). */
export const BASELINE: Role = 'baseline';
export const CANDIDATE: Role = 'candidate';
/** `kvcanary_target_info{role}` of a target that is on neither side. */
export const NO_ROLE = 'none';

/** The reference benchmark tool's two document types (`doc_type` label). */
export const DOC_TYPES = ['CODE', 'TEXT'] as const;
export type DocType = (typeof DOC_TYPES)[number];

/** The quantiles of the window summary, as `quantile` label values and as summary fields. */
export const WINDOW_QUANTILES = [
  { quantile: 0.5, label: '0.5', field: 'p50' },
  { quantile: 0.95, label: '0.95', field: 'p95' },
  { quantile: 0.99, label: '0.99', field: 'p99' },
] as const;
export type QuantileField = (typeof WINDOW_QUANTILES)[number]['field'];

/** Turns at or past this share one `turn` label value unless the config says otherwise. */
export const DEFAULT_TURN_CAP = 10;

/** The `turn` label value: "1", "2", ... and `${cap}+` for every turn at or past the cap. */
export function turnLabel(turn: number, cap: number): string {
  return turn >= cap ? `${cap}+` : String(turn);
}

/** Orders turn label values numerically, the capped `N+` after `N-1`. */
export function compareTurnLabels(a: string, b: string): number {
  return Number.parseInt(a, 10) - Number.parseInt(b, 10) || a.length - b.length;
}

/** The `vantage` label of an exporter whose config names no vantage (and sets no KVCANARY_VANTAGE). */
export const DEFAULT_VANTAGE = 'default';

/**
 * Phases of a request that a replica times itself, the `phase` label of the engine counters:
 * `ttft` is the engine's own time to first token (vLLM V1 counts it from the request's arrival at the
 * engine, so it includes the engine's queue), `queue` its time waiting to be scheduled, `prefill` its
 * time from being scheduled to its first token.
 */
export const ENGINE_PHASES = ['ttft', 'queue', 'prefill'] as const;
export type EnginePhase = (typeof ENGINE_PHASES)[number];

/**
 * Whether a replica caches prefixes: `enabled` or `disabled` when the replica says so
 * (`vllm:cache_config_info{enable_prefix_caching}`, vLLM V0's hit-rate gauge at -1), `unknown` when
 * its page does not tell.
 */
export const PREFIX_CACHE_STATES = ['enabled', 'disabled', 'unknown'] as const;
export type PrefixCacheState = (typeof PREFIX_CACHE_STATES)[number];

/** The `replica` label of probe responses past the per-target bound or with no usable header. */
export const OTHER_REPLICA = 'other';

/** Longest replica label value: a Kubernetes pod name (a DNS subdomain, 253) cut to what reads in a legend. */
export const MAX_REPLICA_LABEL_LENGTH = 128;

/**
 * The one rule that turns a replica name (from discovery, a static config or a response header) into a
 * `replica` label value: characters outside [A-Za-z0-9._:-] become `_`, the result is cut to 128
 * characters. Blank input gives null: there is no replica to name. The same pod gets the same label
 * whichever way it was named, so probe counts and scraped figures of one replica meet on one series.
 */
export function replicaLabelValue(raw: string): string | null {
  const trimmed = raw.trim();
  if (trimmed === '') return null;
  return trimmed.replace(/[^A-Za-z0-9._:-]/g, '_').slice(0, MAX_REPLICA_LABEL_LENGTH);
}
