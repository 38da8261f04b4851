import { z } from 'zod';
import { DEFAULT_TURN_CAP, ROLES } from '@kvcanary/contract';
import { MAX_TIMER_MS, MAX_TIMER_TEXT } from '../util/timer-limit.js';
import { parseDuration } from './duration.js';

/**
 * The one description of kvcanary.yaml: types, defaults (written first, so a minimal file works) and
 * every rule. Unknown keys are rejected everywhere, so a typo is an error rather than a silent default.
 * Durations come out in milliseconds.
 */

/** Target names become `target` label values (contract/src/metrics.ts): short, plain and unambiguous. */
export const TARGET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

const duration = (fallback: string) =>
  z
    .union([z.string(), z.number()])
    .default(fallback)
    .transform((value, ctx) => {
      const ms = parseDuration(value);
      if (ms === null) {
        ctx.addIssue({ code: 'custom', message: `'${String(value)}' is not a duration (write e.g. 500ms, 2s, 10m)` });
        return z.NEVER;
      }
      if (ms > MAX_TIMER_MS) {
        ctx.addIssue({ code: 'custom', message: `'${String(value)}' is longer than ${MAX_TIMER_TEXT}` });
        return z.NEVER;
      }
      return ms;
    });

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');
const filePath = z.string().min(1, 'must not be empty');

const httpUrl = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be an absolute http(s) URL' });
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: 'must be an http or https URL' });
  // URLs are logged and shown in /api/v1/summary; credentials belong in apiKeyEnv / apiKeyFile.
  if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not carry credentials (use apiKeyEnv or apiKeyFile)' });
});

const kubernetesReplicas = z.strictObject({
  namespace: z.string().min(1, 'must not be empty'),
  labelSelector: z.string().min(1, 'must not be empty'),
  /** Port of the replica's metrics endpoint (vLLM serves /metrics on its API port). */
  port: z.number().int().min(1).max(65535).default(8000),
  path: z.string().startsWith('/', 'must start with /').default('/metrics'),
});

const staticReplica = z.strictObject({
  name: z.string().regex(TARGET_NAME, 'must be 1-63 letters, digits, _ . or - (it becomes a label value)'),
  /** The replica's /metrics URL. */
  url: httpUrl,
});

const replicas = z.strictObject({
  static: z.array(staticReplica).min(1, 'must list at least one replica').optional(),
  kubernetes: kubernetesReplicas.optional(),
  /** A DCGM exporter's /metrics; its DCGM_FI_DEV_GPU_UTIL{pod} series are matched to replicas by name. */
  dcgm: z.strictObject({ url: httpUrl }).optional(),
});

const target = z.strictObject({
  name: z.string().regex(TARGET_NAME, 'must be 1-63 letters, digits, _ . or - (it becomes a label value)'),
  /** OpenAI-compatible base URL, ending in /v1. */
  url: httpUrl,
  /** Model id; absent = the first id from GET {url}/models. */
  model: z.string().min(1, 'must not be empty').optional(),
  role: z.enum(ROLES).optional(),
  apiKeyEnv: envName.optional(),
  apiKeyFile: filePath.optional(),
  /** Off reproduces the reference tool: every request may reach a different pod behind a Service. */
  keepAlive: z.boolean().default(false),
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'must be a header name'), z.string()).default({}),
  tls: z
    .strictObject({ insecureSkipVerify: z.boolean().default(false), caFile: filePath.optional() })
    .prefault({}),
  replicaHeader: z
    .string()
    .regex(/^[A-Za-z0-9-]+$/, 'must be a header name')
    .transform((h) => h.toLowerCase())
    .default('x-inference-pod'),
  replicas: replicas.optional(),
})
  // Rules within one target live here so they are reported even when another target has errors.
  .superRefine((t, ctx) => {
    if (t.apiKeyEnv && t.apiKeyFile) ctx.addIssue({ code: 'custom', path: ['apiKeyFile'], message: 'give apiKeyEnv or apiKeyFile, not both' });
    if (t.replicas && !t.replicas.static && !t.replicas.kubernetes) ctx.addIssue({ code: 'custom', path: ['replicas'], message: 'needs static or kubernetes' });
    if (t.replicas?.static && t.replicas.kubernetes) ctx.addIssue({ code: 'custom', path: ['replicas', 'kubernetes'], message: 'give static or kubernetes, not both' });
  });

const pacing = z.strictObject({
  /** Conversations in flight per target, run back to back. */
  concurrency: z.number().int().min(1).max(256).optional(),
  /** Alternatively, conversations started per minute per target. */
  conversationsPerMinute: z.number().positive().max(6000).optional(),
  turns: z.number().int().min(1).max(100).default(10),
  maxTokens: z.number().int().min(1).max(32768).default(500),
  /** Answer text kept per request, past which it is a stream_error; absent = 32 characters per max token (client/limits.ts). */
  maxAnswerChars: z.number().int().min(1).max(64 * 1024 * 1024).optional(),
  /** Bytes streamed per request, past which it is a stream_error; absent = 2 KiB per max token, at least 1 MiB. */
  maxStreamBytes: z.number().int().min(1024).max(1024 * 1024 * 1024).optional(),
  thinkTime: z.strictObject({ min: duration('0.5s'), max: duration('2s') }).prefault({}),
  timeout: duration('120s'),
  /** Seed of the conversation scripts; absent = a fresh one, logged so a run can be replayed. */
  seed: z.number().int().min(0).optional(),
});

const auth = z.strictObject({
  basic: z
    .strictObject({
      username: z.string().min(1, 'must not be empty'),
      passwordEnv: envName.optional(),
      passwordFile: filePath.optional(),
    })
    .optional(),
  bearer: z.strictObject({ tokenEnv: envName.optional(), tokenFile: filePath.optional() }).optional(),
});

const simulation = z.strictObject({
  replicas: z.number().int().min(1).max(16).default(4),
  /** Simulated time runs this many times faster than the default calibration (tests use 4-10). */
  speed: z.number().positive().max(100).default(1),
  seed: z.number().int().min(0).optional(),
});

export const configSchema = z
  .strictObject({
    /** No targets: start the embedded simulated cluster (vllm round-robin vs llm-d prefix-aware). */
    targets: z.array(target).min(1, 'must list at least one target').max(32, 'at most 32 targets per exporter (run several exporters)').optional(),
    simulation: simulation.optional(),
    pacing: pacing.prefault({}),
    corpus: z.strictObject({ dir: filePath.optional() }).prefault({}),
    window: z
      .strictObject({
        duration: duration('10m'),
        maxRequests: z.number().int().min(10).max(100_000).default(5000),
      })
      .prefault({}),
    /** Turns past this share one `turn` label value ("10+"), so cardinality does not grow with turns. */
    turnLabelCap: z.number().int().min(1).max(50).default(DEFAULT_TURN_CAP),
    replicaScrape: z
      .strictObject({
        interval: duration('15s'),
        timeout: duration('5s'),
        maxBodyBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(8 * 1024 * 1024),
        /** Per target: discovery beyond this is ignored (and logged), bounding replica label values. */
        maxReplicas: z.number().int().min(1).max(1024).default(64),
      })
      .prefault({}),
    web: z
      .strictObject({
        auth: auth.optional(),
        /**
         * /probe conversations in flight per target; past it /probe answers 429. Two lets an HA pair
         * of Prometheus servers scrape the same probe; more only multiplies the load on the target.
         */
        probeConcurrency: z.number().int().min(1).max(16).default(2),
      })
      .prefault({}),
    logging: z
      .strictObject({
        /** Failures are counted and summarised per target this often; the first of a kind is logged at once. */
        failureSummaryInterval: duration('5m'),
      })
      .prefault({}),
    /** Grace period on SIGTERM for in-flight requests. */
    shutdownGrace: duration('10s'),
  })
  .superRefine((config, ctx) => {
    const names = new Map<string, number>();
    const roles = new Map<string, number>();
    config.targets?.forEach((t, i) => {
      const first = names.get(t.name);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['targets', i, 'name'], message: `'${t.name}' is already the name of targets[${first}]` });
      else names.set(t.name, i);
      if (t.role) {
        const other = roles.get(t.role);
        if (other !== undefined) ctx.addIssue({ code: 'custom', path: ['targets', i, 'role'], message: `only one target may be the ${t.role}; targets[${other}] already is` });
        else roles.set(t.role, i);
      }
    });
    if (config.targets && config.simulation) ctx.addIssue({ code: 'custom', path: ['simulation'], message: 'give targets or simulation, not both' });
    const { pacing: p } = config;
    if (p.concurrency !== undefined && p.conversationsPerMinute !== undefined)
      ctx.addIssue({ code: 'custom', path: ['pacing', 'conversationsPerMinute'], message: 'give concurrency or conversationsPerMinute, not both' });
    if (p.thinkTime.min > p.thinkTime.max) ctx.addIssue({ code: 'custom', path: ['pacing', 'thinkTime', 'min'], message: 'must not exceed pacing.thinkTime.max' });
    if (p.timeout === 0) ctx.addIssue({ code: 'custom', path: ['pacing', 'timeout'], message: 'must be more than 0' });
    if (config.replicaScrape.timeout > config.replicaScrape.interval)
      ctx.addIssue({ code: 'custom', path: ['replicaScrape', 'timeout'], message: 'must not exceed replicaScrape.interval' });
    if (config.window.duration < 10_000) ctx.addIssue({ code: 'custom', path: ['window', 'duration'], message: 'must be at least 10s' });
    if (config.logging.failureSummaryInterval < 1000)
      ctx.addIssue({ code: 'custom', path: ['logging', 'failureSummaryInterval'], message: 'must be at least 1s' });
    const a = config.web.auth;
    if (a) {
      if (a.basic && a.bearer) ctx.addIssue({ code: 'custom', path: ['web', 'auth'], message: 'give basic or bearer, not both' });
      if (!a.basic && !a.bearer) ctx.addIssue({ code: 'custom', path: ['web', 'auth'], message: 'needs basic or bearer' });
      if (a.basic && !a.basic.passwordEnv === !a.basic.passwordFile)
        ctx.addIssue({ code: 'custom', path: ['web', 'auth', 'basic'], message: 'needs exactly one of passwordEnv or passwordFile' });
      if (a.bearer && !a.bearer.tokenEnv === !a.bearer.tokenFile)
        ctx.addIssue({ code: 'custom', path: ['web', 'auth', 'bearer'], message: 'needs exactly one of tokenEnv or tokenFile' });
    }
  });

export type Config = z.output<typeof configSchema>;
export type TargetConfig = NonNullable<Config['targets']>[number];
export type ReplicasConfig = NonNullable<TargetConfig['replicas']>;
export type PacingConfig = Config['pacing'];
export type AuthConfig = NonNullable<Config['web']['auth']>;
