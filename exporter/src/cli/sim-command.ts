import { parseArgs } from 'node:util';
import { startCluster, type ClusterOptions } from '../sim/cluster.js';
import { DEFAULT_ENGINE_CONFIG, type EngineConfig } from '../sim/engine-config.js';
import { GATEWAYS, GATEWAY_COSTS, type GatewayCosts, type GatewayName } from '../sim/gateway.js';
import { POLICIES, type PolicyName } from '../sim/router-policy.js';
import { UsageError } from '../util/usage-error.js';

/** Engine knobs as kebab-case flags: the same names as the EngineConfig fields, documented there. */
const ENGINE_FLAGS = {
  'num-gpu-blocks': { key: 'numGpuBlocks', integer: true, help: 'KV cache size per replica, in 16-token blocks' },
  'max-num-seqs': { key: 'maxNumSeqs', integer: true, help: 'requests running at once per replica' },
  'max-num-batched-tokens': { key: 'maxNumBatchedTokens', integer: true, help: 'token budget of one engine step' },
  'max-model-len': { key: 'maxModelLen', integer: true, help: 'longest prompt + answer, in tokens' },
  'step-base-ms': { key: 'stepBaseMs', integer: false, help: 'fixed cost of an engine step' },
  'prefill-ms-per-token': { key: 'prefillMsPerToken', integer: false, help: 'prefill cost per uncached prompt token' },
  'prefill-attention-ms': { key: 'prefillAttentionMs', integer: false, help: 'extra prefill cost per token per 1,000 tokens of context' },
  'decode-ms-per-seq': { key: 'decodeMsPerSeq', integer: false, help: 'decode cost per running sequence per step' },
  'kv-read-ms': { key: 'kvReadMs', integer: false, help: 'cost per sequence per step per 1,000 tokens of context' },
  'request-overhead-ms': { key: 'requestOverheadMs', integer: false, help: 'API-server cost before the engine' },
  'frontend-ms-per-token': { key: 'frontendMsPerToken', integer: false, help: 'API-server cost per prompt token' },
  'answer-min-tokens': { key: 'answerMinTokens', integer: true, help: 'shortest natural answer' },
  'answer-max-tokens': { key: 'answerMaxTokens', integer: true, help: 'longest natural answer' },
  'time-scale': { key: 'timeScale', integer: false, help: 'multiplies every cost (0.1 = ten times faster)' },
} as const satisfies Record<string, { key: keyof EngineConfig; integer: boolean; help: string }>;

type EngineFlag = keyof typeof ENGINE_FLAGS;

/** The gateway's costs as flags, documented in sim/gateway.ts. */
const GATEWAY_FLAGS = {
  'proxy-ms': { key: 'proxyMs', help: "the gateway proxy's own cost per request" },
  'picker-ms': { key: 'pickerMs', help: "the endpoint picker's fixed cost per request" },
  'picker-ms-per-kib': { key: 'pickerMsPerKib', help: "the endpoint picker's cost per KiB of body" },
} as const satisfies Record<string, { key: keyof GatewayCosts; help: string }>;

type GatewayFlag = keyof typeof GATEWAY_FLAGS;

const OPTIONS = {
  replicas: { type: 'string' },
  router: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  model: { type: 'string' },
  seed: { type: 'string' },
  name: { type: 'string' },
  gateway: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  ...Object.fromEntries([...Object.keys(ENGINE_FLAGS), ...Object.keys(GATEWAY_FLAGS)].map((k) => [k, { type: 'string' }])),
} as const;

function usage(): string {
  const d = DEFAULT_ENGINE_CONFIG;
  const engine = Object.entries(ENGINE_FLAGS).map(([flag, f]) => `  --${flag.padEnd(24)} ${f.help} (${String(d[f.key])})`);
  const costs = GATEWAY_COSTS['inference-gateway'];
  const gateway = Object.entries(GATEWAY_FLAGS).map(([flag, f]) => `  --${flag.padEnd(24)} ${f.help} (inference-gateway: ${costs[f.key]})`);
  return [
    'usage: kvcanary sim [options]',
    '',
    'Start simulated vLLM replicas behind a router and run until interrupted.',
    '',
    '  --replicas N               number of replicas (4)',
    `  --router POLICY            ${POLICIES.join(' | ')} (prefix-aware)`,
    '  --port P                   router port, 0 = a free one (0)',
    '  --host ADDR                interface for every server (127.0.0.1)',
    `  --model NAME               served model name (${d.model})`,
    `  --seed N                   seed for answers, routing and faults (${d.seed})`,
    '  --name PREFIX              replica name prefix: PREFIX-0, PREFIX-1, ... (sim)',
    `  --gateway KIND             ${GATEWAYS.join(' | ')} in front of the replicas`,
    '                             (inference-gateway for prefix-aware, else service)',
    ...gateway,
    ...engine,
    '',
    'Admin: PUT {router}/sim/router {"policy": ...}; PUT {router}/sim/faults[?replica=NAME]',
    '{errorRate, stallMs, slowTokenMs, dropRate, prefillMultiplier, endlessRate, garbledMetricsRate}.',
  ].join('\n');
}

function number(flag: string, raw: string, opts: { integer: boolean; min: number }): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || (opts.integer && !Number.isInteger(value)) || value < opts.min) {
    throw new UsageError(`--${flag} must be ${opts.integer ? 'an integer' : 'a number'} >= ${opts.min}, got '${raw}'`);
  }
  return value;
}

/** Parse `kvcanary sim` flags into cluster options; UsageError names the bad flag. */
export function parseSimArgs(argv: string[]): ClusterOptions | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (values['help'] === true) return 'help';
  const str = (k: string): string | undefined => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const opts: ClusterOptions = {};
  const replicas = str('replicas');
  if (replicas !== undefined) opts.replicas = number('replicas', replicas, { integer: true, min: 1 });
  const router = str('router');
  if (router !== undefined) {
    if (!(POLICIES as readonly string[]).includes(router)) throw new UsageError(`--router must be one of ${POLICIES.join(', ')}, got '${router}'`);
    opts.router = router as PolicyName;
  }
  const port = str('port');
  if (port !== undefined) {
    opts.port = number('port', port, { integer: true, min: 0 });
    if (opts.port > 65535) throw new UsageError(`--port must be at most 65535, got '${port}'`);
  }
  const seed = str('seed');
  if (seed !== undefined) opts.seed = number('seed', seed, { integer: true, min: 0 });
  for (const k of ['host', 'model', 'name'] as const) {
    const v = str(k);
    if (v === undefined) continue;
    if (v.trim() === '') throw new UsageError(`--${k} must not be empty`);
    opts[k] = v;
  }
  const gateway = str('gateway');
  if (gateway !== undefined) {
    if (!(GATEWAYS as readonly string[]).includes(gateway)) throw new UsageError(`--gateway must be one of ${GATEWAYS.join(', ')}, got '${gateway}'`);
    opts.gateway = gateway as GatewayName;
  }
  for (const [flag, f] of Object.entries(GATEWAY_FLAGS) as [GatewayFlag, (typeof GATEWAY_FLAGS)[GatewayFlag]][]) {
    const v = str(flag);
    if (v !== undefined) opts[f.key] = number(flag, v, { integer: false, min: 0 });
  }
  for (const [flag, f] of Object.entries(ENGINE_FLAGS) as [EngineFlag, (typeof ENGINE_FLAGS)[EngineFlag]][]) {
    const v = str(flag);
    if (v === undefined) continue;
    const value = number(flag, v, { integer: f.integer, min: 0 });
    if (value === 0 && (f.integer || flag === 'time-scale' || flag === 'step-base-ms')) throw new UsageError(`--${flag} must be > 0, got '${v}'`);
    opts[f.key] = value;
  }
  if ((opts.answerMinTokens ?? DEFAULT_ENGINE_CONFIG.answerMinTokens) > (opts.answerMaxTokens ?? DEFAULT_ENGINE_CONFIG.answerMaxTokens)) {
    throw new UsageError('--answer-min-tokens must not exceed --answer-max-tokens');
  }
  return opts;
}

/** Resolves on SIGINT or SIGTERM, or when `signal` aborts (tests). */
function interrupted(signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      signal?.removeEventListener('abort', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (signal?.aborted) stop();
    else signal?.addEventListener('abort', stop, { once: true });
  });
}

/** `kvcanary sim`: start the cluster, print where it is, run until interrupted, close cleanly. */
export async function simCommand(argv: string[], io: { signal?: AbortSignal; print?: (line: string) => void } = {}): Promise<number> {
  const print = io.print ?? ((line: string) => console.log(line));
  const opts = parseSimArgs(argv);
  if (opts === 'help') {
    print(usage());
    return 0;
  }
  const cluster = await startCluster(opts);
  print(`router (${cluster.policy()} behind ${cluster.gateway}): ${cluster.routerUrl}`);
  for (const r of cluster.replicas) print(`replica ${r.name}: ${r.url}/v1  metrics ${r.url}/metrics`);
  await interrupted(io.signal);
  await cluster.close();
  return 0;
}
