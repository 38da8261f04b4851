import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { systemClock, type Clock } from '../util/clock.js';
import { seededRandom, type Random } from '../util/random.js';
import { countTokens, hashString } from './block-hash.js';
import { Engine, EngineRejection, type FinishedRequest } from './engine.js';
import type { EngineConfig } from './engine-config.js';
import { NO_FAULTS, faultsSchema, type Faults } from './faults.js';
import { BodyError, closeServer, listen, readJson, route, sendError, sendJson, urlFor } from './http-util.js';
import { VLLM } from './metric-names.js';
import { createReplicaMetrics } from './replica-metrics.js';
import { renderChat } from './text.js';
import { SSE_DONE, chatMessages, chatRequestSchema, completionRequestSchema, describeZodError, sseData, usageOf } from './wire.js';

export const REPLICA_HEADER = 'x-inference-pod';

export interface ReplicaOptions {
  name: string;
  /** Kubernetes-style namespace for the DCGM labels. */
  namespace?: string;
  host?: string;
  port?: number;
  engine: EngineConfig;
  clock?: Clock;
}

export interface Replica {
  name: string;
  /** http://host:port; the API is under /v1, metrics at /metrics. */
  url: string;
  engine: Engine;
  faults(): Faults;
  setFaults(faults: Faults): void;
  close(): Promise<void>;
}

/** A request as the engine needs it, from either endpoint. */
interface Completion {
  kind: 'chat' | 'text';
  prompt: string;
  maxTokens: number | undefined;
  stream: boolean;
  includeUsage: boolean;
}

/** Validate either endpoint's body into what the engine needs; a string names the problem. */
function parseCompletion(kind: Completion['kind'], json: unknown): { completion: Completion; model: string } | string {
  if (kind === 'chat') {
    const parsed = chatRequestSchema.safeParse(json);
    if (!parsed.success) return describeZodError(parsed.error);
    const b = parsed.data;
    const maxTokens = b.max_completion_tokens ?? b.max_tokens ?? undefined;
    return { model: b.model, completion: { kind, prompt: renderChat(chatMessages(b)), maxTokens, stream: b.stream === true, includeUsage: b.stream_options?.include_usage === true } };
  }
  const parsed = completionRequestSchema.safeParse(json);
  if (!parsed.success) return describeZodError(parsed.error);
  const b = parsed.data;
  const prompt = typeof b.prompt === 'string' ? b.prompt : (b.prompt[0] ?? '');
  return { model: b.model, completion: { kind, prompt, maxTokens: b.max_tokens ?? undefined, stream: b.stream === true, includeUsage: b.stream_options?.include_usage === true } };
}

/** Token events of `event(text)` for as long as the client reads them: a server ignoring max_tokens. */
function streamEndlessly(res: ServerResponse, event: (text: string) => string): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  const batch = event(' lorem').repeat(64);
  const pump = (): void => {
    while (!res.destroyed && res.write(batch));
    if (!res.destroyed) res.once('drain', pump);
  };
  pump();
}

/** A page cut short with a malformed line after it: what a scraper must reject whole. */
function garble(page: string): string {
  return `${page.slice(0, Math.floor(page.length / 2))}\n${VLLM.kvCacheUsagePerc}{engine="0" 0.5\n`;
}

/** One simulated vLLM server: OpenAI-compatible API, vLLM V1 metrics, runtime faults. */
export async function startReplica(opts: ReplicaOptions): Promise<Replica> {
  const clock = opts.clock ?? systemClock;
  const config = opts.engine;
  // The metrics read the engine only at scrape time, after it exists.
  const metrics = createReplicaMetrics(
    { name: opts.name, model: config.model, namespace: opts.namespace ?? 'kvcanary-sim', numGpuBlocks: config.numGpuBlocks },
    () => engine,
  );
  const engine = new Engine(config, clock, metrics.observer);
  let faults = NO_FAULTS;
  // Faults draw from their own seeded stream, one per replica, so they replay without disturbing the engine.
  const chance: Random = seededRandom(hashString(opts.name, config.seed) % 4294967296);
  let requestCounter = 0;

  const setFaults = (f: Faults): void => {
    faults = f;
    engine.slowdown = { prefillMultiplier: f.prefillMultiplier, slowTokenMs: f.slowTokenMs };
  };

  const complete = async (req: IncomingMessage, res: ServerResponse, kind: Completion['kind']): Promise<void> => {
    // Every completion response names its replica, errors included, as llm-d-inference-sim does.
    res.setHeader(REPLICA_HEADER, opts.name);
    const parsed = parseCompletion(kind, await readJson(req));
    if (typeof parsed === 'string') return sendError(res, 400, parsed, 'BadRequestError');
    const { completion: c, model } = parsed;
    if (model !== config.model) return sendError(res, 404, `The model \`${model}\` does not exist.`, 'NotFoundError');
    if (chance.next() < faults.errorRate) return sendError(res, 500, 'injected fault: internal server error', 'InternalServerError');
    const dropAfter = c.stream && chance.next() < faults.dropRate ? 1 + chance.int(Math.max(1, Math.floor(config.answerMinTokens / 2))) : undefined;

    let gone = false;
    res.on('close', () => {
      gone = true;
    });
    await clock.sleep((config.requestOverheadMs + config.frontendMsPerToken * countTokens(c.prompt)) * config.timeScale + faults.stallMs);
    if (gone) return;

    const envelope = {
      id: `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${opts.name}-${++requestCounter}`,
      object: kind === 'chat' ? (c.stream ? 'chat.completion.chunk' : 'chat.completion') : 'text_completion',
      created: Math.floor(clock.wallNow() / 1000),
      model,
    };
    const choice = (delta: { role?: string; content?: string }, finish: string | null): Record<string, unknown> =>
      kind === 'chat' ? { index: 0, delta, logprobs: null, finish_reason: finish } : { index: 0, text: delta.content ?? '', logprobs: null, finish_reason: finish };

    if (c.stream && faults.endlessRate > 0 && chance.next() < faults.endlessRate) return streamEndlessly(res, (text) => sseData({ ...envelope, choices: [choice({ content: text }, null)] }));

    const texts: string[] = [];
    let finish: (r: FinishedRequest) => void = () => undefined;
    const finished = new Promise<FinishedRequest>((resolve) => (finish = resolve));
    let cancel: () => void = () => undefined;
    try {
      cancel = engine.submit(c.prompt, c.maxTokens ?? Math.max(1, config.maxModelLen - countTokens(c.prompt)), {
        onToken(text) {
          texts.push(text);
          if (!c.stream || res.destroyed) return;
          res.write(sseData({ ...envelope, choices: [choice({ content: text }, null)] }));
          if (dropAfter !== undefined && texts.length >= dropAfter) {
            cancel();
            res.destroy();
          }
        },
        onFinish: (r) => finish(r),
      });
    } catch (err) {
      if (err instanceof EngineRejection) return sendError(res, 400, err.message, 'BadRequestError');
      throw err;
    }
    res.on('close', () => cancel());
    if (c.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
      if (kind === 'chat') res.write(sseData({ ...envelope, choices: [choice({ role: 'assistant', content: '' }, null)] }));
    }
    const r = await finished;
    if (r.finishReason === 'abort' || res.destroyed) return;
    const usage = usageOf(r.promptTokens, r.completionTokens, r.cachedTokens);
    if (!c.stream) {
      const text = texts.join('');
      const answer = kind === 'chat' ? { message: { role: 'assistant', content: text } } : { text };
      return sendJson(res, 200, { ...envelope, choices: [{ index: 0, ...answer, logprobs: null, finish_reason: r.finishReason }], usage });
    }
    res.write(sseData({ ...envelope, choices: [choice({}, r.finishReason)] }));
    if (c.includeUsage) res.write(sseData({ ...envelope, choices: [], usage }));
    res.end(SSE_DONE);
  };

  const handler = route(
    {
      'GET /health': (_req, res) => void res.writeHead(200).end(),
      'GET /v1/models': (_req, res) =>
        sendJson(res, 200, { object: 'list', data: [{ id: config.model, object: 'model', created: Math.floor(clock.wallNow() / 1000), owned_by: 'vllm', root: config.model, parent: null, max_model_len: config.maxModelLen }] }),
      'POST /v1/chat/completions': (req, res) => complete(req, res, 'chat'),
      'POST /v1/completions': (req, res) => complete(req, res, 'text'),
      'GET /metrics': async (_req, res) => {
        const text = await metrics.registry.metrics();
        const garbled = faults.garbledMetricsRate > 0 && chance.next() < faults.garbledMetricsRate;
        res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(garbled ? garble(text) : text);
      },
      'GET /sim/faults': (_req, res) => sendJson(res, 200, faults),
      'PUT /sim/faults': async (req, res) => {
        const parsed = faultsSchema.safeParse(await readJson(req));
        if (!parsed.success) return sendError(res, 400, describeZodError(parsed.error), 'BadRequestError');
        setFaults(parsed.data);
        sendJson(res, 200, faults);
      },
    },
    (err, res) => {
      if (res.headersSent) return void res.destroy();
      if (err instanceof BodyError) return sendError(res, 400, err.message, 'BadRequestError');
      sendError(res, 500, err instanceof Error ? err.message : String(err), 'InternalServerError');
    },
  );

  const server = createServer((req, res) => void handler(req, res));
  const host = opts.host ?? '127.0.0.1';
  const port = await listen(server, host, opts.port ?? 0);
  return {
    name: opts.name,
    url: urlFor(host, port),
    engine,
    faults: () => faults,
    setFaults,
    close: () => closeServer(server),
  };
}
