import { Agent, createServer, request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { Counter, Gauge, Registry } from 'prom-client';
import { z } from 'zod';
import { systemClock, type Clock } from '../util/clock.js';
import { seededRandom } from '../util/random.js';
import { faultsSchema } from './faults.js';
import { GATEWAY_COSTS, Gateway, type GatewayCosts } from './gateway.js';
import { BodyError, closeServer, listen, readBody, readJson, route, sendError, sendJson, urlFor } from './http-util.js';
import { ROUTER, VLLM } from './metric-names.js';
import { POLICIES, createPolicy, type Policy, type PolicyName, type ReplicaView } from './router-policy.js';
import { renderChat } from './text.js';
import { chatMessages, chatRequestSchema, describeZodError } from './wire.js';

export interface RouterOptions {
  policy: PolicyName;
  /** The served model: seeds the prefix scorer's hash chain. */
  model: string;
  replicas: readonly { name: string; url: string }[];
  seed: number;
  host?: string;
  port?: number;
  /** How often the router scrapes each replica's KV usage for the prefix-aware score. */
  scrapeIntervalMs?: number;
  /** What a request pays before it is routed (default: a Kubernetes Service, nothing). */
  gateway?: GatewayCosts;
  /** Multiplies the gateway's costs, like the engine's timeScale (default 1). */
  timeScale?: number;
  clock?: Clock;
}

export interface Router {
  /** http://host:port; the proxied API is under /v1. */
  url: string;
  policy(): PolicyName;
  setPolicy(name: PolicyName): void;
  close(): Promise<void>;
}

const policyBody = z.object({ policy: z.enum(POLICIES) }).strict();
/** Hop-by-hop headers belong to one connection and are not forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer']);
const KV_USAGE_LINE = new RegExp(`^${VLLM.kvCacheUsagePerc}(?:\\{[^}]*\\})?\\s+(\\S+)`, 'm');

function forwardable(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) if (!HOP_BY_HOP.has(k) && k !== 'host' && k !== 'content-length') out[k] = v;
  return out;
}

/** The prompt text the prefix scorer hashes; anything unparseable hashes as empty (the replica answers the 400). */
function promptText(body: Buffer): string {
  try {
    const json = JSON.parse(body.toString('utf8')) as unknown;
    const chat = chatRequestSchema.safeParse(json);
    if (chat.success) return renderChat(chatMessages(chat.data));
    const prompt = (json as { prompt?: unknown }).prompt;
    return typeof prompt === 'string' ? prompt : '';
  } catch {
    return '';
  }
}

/** Below Node's default server keepAliveTimeout (5 s), which the replicas keep. */
const UPSTREAM_IDLE_MS = 4000;

/**
 * A router in front of the replicas: proxies /v1/* to the replica its policy picks and streams the
 * answer back unchanged (status, headers including x-inference-pod, body chunk by chunk), after the
 * gateway's costs. A replica that is down gives a 502 JSON error and nothing else changes.
 */
export async function startRouter(opts: RouterOptions): Promise<Router> {
  if (opts.replicas.length === 0) throw new RangeError('a router needs at least one replica');
  const random = seededRandom(opts.seed ^ 0x7007e5);
  let policy: Policy = createPolicy(opts.policy, random);
  const views: ReplicaView[] = opts.replicas.map((r) => ({ name: r.name, inFlight: 0, kvUsage: 0 }));
  // Idle upstream sockets close here before the replica's server drops them (Node's keepAliveTimeout,
  // 5 s): reusing one the replica is closing at that moment failed a request with ECONNRESET.
  const agent = new Agent({ keepAlive: true, timeout: UPSTREAM_IDLE_MS });
  const clock = opts.clock ?? systemClock;
  const gateway = new Gateway(opts.gateway ?? GATEWAY_COSTS.service, clock, opts.timeScale);

  const registry = new Registry();
  const routed = new Counter({ name: ROUTER.requests, help: 'Requests routed, by replica and policy.', labelNames: ['replica', 'policy'], registers: [registry] });
  const upstreamErrors = new Counter({ name: ROUTER.upstreamErrors, help: 'Requests that failed to reach their replica.', labelNames: ['replica'], registers: [registry] });
  new Gauge({ name: ROUTER.inFlight, help: 'Requests sent to a replica and not yet finished.', labelNames: ['replica'], registers: [registry], collect() { for (const v of views) this.set({ replica: v.name }, v.inFlight); } });
  new Gauge({ name: ROUTER.policyInfo, help: 'The routing policy in use (1).', labelNames: ['policy'], registers: [registry], collect() { this.reset(); this.set({ policy: policy.name }, 1); } });

  const proxy = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    await gateway.pass(body.length);
    const i = policy.choose({ text: promptText(body), model: opts.model }, views);
    const view = views[i] as ReplicaView;
    const target = opts.replicas[i] as { name: string; url: string };
    routed.inc({ replica: target.name, policy: policy.name });
    view.inFlight++;
    let counted = true;
    const done = (): void => {
      if (counted) view.inFlight--;
      counted = false;
    };
    const upstream = request(new URL(req.url ?? '/', target.url), { method: req.method, headers: { ...forwardable(req.headers), 'content-length': String(body.length) }, agent }, (up) => {
      const headers = forwardable(up.headers);
      res.writeHead(up.statusCode ?? 502, up.statusMessage, headers);
      up.pipe(res);
      // A replica that cuts the stream: cut ours too, so the client sees what it would have seen.
      up.on('close', () => {
        if (!up.complete) res.destroy();
        done();
      });
    });
    upstream.on('error', (err) => {
      done();
      upstreamErrors.inc({ replica: target.name });
      if (res.headersSent) return void res.destroy();
      sendError(res, 502, `replica ${target.name} unavailable: ${err.message}`, 'BadGateway');
    });
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
      done();
    });
    upstream.end(body);
  };

  const forwardFaults = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const parsed = faultsSchema.safeParse(await readJson(req));
    if (!parsed.success) return sendError(res, 400, describeZodError(parsed.error), 'BadRequestError');
    const only = new URL(req.url ?? '/', 'http://router').searchParams.get('replica');
    const targets = opts.replicas.filter((r) => only === null || r.name === only);
    if (targets.length === 0) return sendError(res, 404, `no replica named ${only ?? ''}`, 'NotFoundError');
    const results: Record<string, unknown> = {};
    for (const t of targets) {
      const r = await fetch(`${t.url}/sim/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(parsed.data) });
      results[t.name] = await r.json();
    }
    sendJson(res, 200, { replicas: results });
  };

  const routes = route(
    {
      'GET /health': (_req, res) => void res.writeHead(200).end(),
      'GET /metrics': async (_req, res) => void res.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics()),
      'GET /sim/router': (_req, res) => sendJson(res, 200, { policy: policy.name, replicas: views.map((v, i) => ({ ...v, url: opts.replicas[i]?.url })) }),
      'PUT /sim/router': async (req, res) => {
        const parsed = policyBody.safeParse(await readJson(req));
        if (!parsed.success) return sendError(res, 400, describeZodError(parsed.error), 'BadRequestError');
        setPolicy(parsed.data.policy);
        sendJson(res, 200, { policy: policy.name });
      },
      'PUT /sim/faults': forwardFaults,
    },
    (err, res) => {
      if (res.headersSent) return void res.destroy();
      if (err instanceof BodyError) return sendError(res, 400, err.message, 'BadRequestError');
      sendError(res, 500, err instanceof Error ? err.message : String(err), 'InternalServerError');
    },
  );
  const server = createServer((req, res) => {
    if ((req.url ?? '').startsWith('/v1/')) {
      proxy(req, res).catch((err: unknown) => {
        if (res.headersSent) return void res.destroy();
        sendError(res, 400, err instanceof Error ? err.message : String(err), 'BadRequestError');
      });
      return;
    }
    void routes(req, res);
  });

  // The KV-usage term of the score: scraped like llm-d's endpoint picker scrapes vLLM's metrics.
  const scrapeKvUsage = async (): Promise<void> => {
    await Promise.all(
      opts.replicas.map(async (r, i) => {
        try {
          const text = await (await fetch(`${r.url}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
          const value = Number(KV_USAGE_LINE.exec(text)?.[1]);
          if (Number.isFinite(value)) (views[i] as ReplicaView).kvUsage = value;
        } catch {
          // A replica that does not answer keeps its last figure; requests to it fail on their own.
        }
      }),
    );
  };
  // On the router's clock, so that simulated time decides when the picker's view is refreshed.
  const stopScraping = new AbortController();
  void (async () => {
    for (;;) {
      await clock.sleep(opts.scrapeIntervalMs ?? 1000, stopScraping.signal);
      if (stopScraping.signal.aborted) return;
      await scrapeKvUsage();
    }
  })();

  const setPolicy = (name: PolicyName): void => {
    if (name !== policy.name) policy = createPolicy(name, random);
  };
  const host = opts.host ?? '127.0.0.1';
  const port = await listen(server, host, opts.port ?? 0);
  return {
    url: urlFor(host, port),
    policy: () => policy.name,
    setPolicy,
    close: async () => {
      stopScraping.abort();
      await closeServer(server);
      agent.destroy();
    },
  };
}
