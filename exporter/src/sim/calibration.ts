import { Agent, fetch } from 'undici';
import { systemClock, type Clock } from '../util/clock.js';
import { seededRandom, type Random } from '../util/random.js';

/**
 * A small multi-turn driver for calibrating the simulator against the reference benchmark,
 * independent of the exporter's own client and run the way the reference tool runs: 20 short
 * sequential warm-up requests first, then conversations over documents (conversation i on document
 * i mod n), the full history resent each turn, `parallel` workers taking conversations from a queue
 * with a uniform think time before each turn, keep-alive off, TTFT to the first non-empty content
 * chunk.
 */
export interface CalibrationOptions {
  /** Base URL ending in /v1. */
  baseUrl: string;
  model: string;
  /** The seed documents, in conversation order. */
  documents: readonly string[];
  conversations?: number;
  turns?: number;
  parallel?: number;
  maxTokens?: number;
  minDelayMs?: number;
  maxDelayMs?: number;
  warmupRequests?: number;
  seed?: number;
  /**
   * The simulator's timeScale: think times are scaled by it and measured times divided by it, so
   * every figure is in simulated milliseconds.
   */
  timeScale?: number;
  /** Times every request and think time (default the system clock). */
  clock?: Clock;
}

export interface TurnRecord {
  conversation: number;
  turn: number;
  ttftMs: number;
  totalMs: number;
  pod: string;
  promptTokens: number;
  cachedTokens: number;
}

export interface CalibrationSummary {
  requests: number;
  firstTurnMeanMs: number;
  laterTurnMeanMs: number;
  speedup: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** Prompt tokens served from the prefix cache over all prompt tokens: vLLM's hits / queries. */
  kvHitRate: number;
  meanTotalMs: number;
  /** Simulated time of the conversation phase. */
  wallMs: number;
}

const INSTRUCTIONS = [
  'Summarise the following document and list its main points.',
  'Review the following document and explain its structure.',
  'Read the following document and describe what it is for.',
  'Explain the following document to a new team member.',
];
const FOLLOW_UPS = [
  'Can you go into more detail on the second point?',
  'What are the weaknesses of this approach?',
  'Give a concrete example.',
  'How would you test this?',
  'Rewrite the summary for an executive audience.',
  'Which part is the most important, and why?',
];
const WORDS = ['cache', 'replica', 'latency', 'token', 'request', 'stream', 'router', 'prefix', 'block', 'queue', 'model', 'engine', 'metric'];

/**
 * Documents of 12-56 KB (3k-14k tokens), each different from its first line, sizes spread
 * geometrically: the reference's P95 TTFT under llm-d (272 ms) sits below its first-turn mean
 * (362 ms), which only a corpus of mostly smaller documents and a few large ones produces.
 */
export function calibrationDocuments(count: number, random: Random): string[] {
  return Array.from({ length: count }, (_, i) => {
    const size = Math.round(12_000 * (56 / 12) ** (i / Math.max(1, count - 1)));
    let text = `# Document ${i}\n\n`;
    while (text.length < size) text += `${Array.from({ length: 12 }, () => random.pick(WORDS)).join(' ')}.\n`;
    return text.slice(0, size);
  });
}

interface Message {
  role: 'user' | 'assistant';
  content: string;
}

interface Turn {
  ttftMs: number;
  totalMs: number;
  pod: string;
  text: string;
  promptTokens: number;
  cachedTokens: number;
}

/** One streamed request on a fresh connection; times in the clock's milliseconds. */
async function streamTurn(opts: CalibrationOptions, dispatcher: Agent, messages: Message[], maxTokens: number): Promise<Turn> {
  const clock = opts.clock ?? systemClock;
  const started = clock.now();
  const res = await fetch(`${opts.baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: opts.model, messages, max_tokens: maxTokens, stream: true, stream_options: { include_usage: true } }),
    dispatcher,
  });
  if (!res.ok || res.body === null) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  const decoder = new TextDecoder();
  let buffer = '';
  let ttftMs: number | undefined;
  let text = '';
  let promptTokens = 0;
  let cachedTokens = 0;
  for await (const bytes of res.body) {
    buffer += decoder.decode(bytes, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = line.slice('data: '.length);
      if (data === '[DONE]') continue;
      const chunk = JSON.parse(data) as { choices: { delta?: { content?: string } }[]; usage?: { prompt_tokens: number; prompt_tokens_details?: { cached_tokens: number } } };
      const content = chunk.choices[0]?.delta?.content ?? '';
      if (content.length > 0) {
        ttftMs ??= clock.now() - started;
        text += content;
      }
      if (chunk.usage) {
        promptTokens = chunk.usage.prompt_tokens;
        cachedTokens = chunk.usage.prompt_tokens_details?.cached_tokens ?? 0;
      }
    }
  }
  if (ttftMs === undefined) throw new Error('stream ended without content');
  return { ttftMs, totalMs: clock.now() - started, pod: res.headers.get('x-inference-pod') ?? '', text, promptTokens, cachedTokens };
}

/** sorted[int(n * p)], as the reference tool computes percentiles. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

const WARMUP_PROMPT = 'Hello, please reply with a short greeting.';

export async function runCalibration(opts: CalibrationOptions): Promise<{ records: TurnRecord[]; summary: CalibrationSummary }> {
  if (opts.documents.length === 0) throw new RangeError('calibration needs at least one document');
  const random = seededRandom(opts.seed ?? 1);
  const conversations = opts.conversations ?? 11;
  const turns = opts.turns ?? 10;
  const maxTokens = opts.maxTokens ?? 500;
  const scale = opts.timeScale ?? 1;
  const clock = opts.clock ?? systemClock;
  // pipelining 0: undici never reuses a connection, so every request may reach another replica.
  const dispatcher = new Agent({ pipelining: 0 });
  try {
    for (let i = 0; i < (opts.warmupRequests ?? 20); i++) await streamTurn(opts, dispatcher, [{ role: 'user', content: WARMUP_PROMPT }], 50);
    const histories: Message[][] = Array.from({ length: conversations }, (_, i) => {
      const doc = opts.documents[i % opts.documents.length] ?? '';
      return [{ role: 'user', content: `${INSTRUCTIONS[i % INSTRUCTIONS.length] ?? ''}\n\n\`\`\`\n${doc}\n\`\`\`` }];
    });
    const queue = histories.map((_, i) => i);
    const done = histories.map(() => 0);
    const records: TurnRecord[] = [];
    const started = clock.now();
    const worker = async (): Promise<void> => {
      for (let c = queue.shift(); c !== undefined; c = queue.shift()) {
        await clock.sleep(random.uniform(opts.minDelayMs ?? 500, opts.maxDelayMs ?? 2000) * scale);
        const history = histories[c] as Message[];
        const r = await streamTurn(opts, dispatcher, history, maxTokens);
        const turn = (done[c] ?? 0) + 1;
        done[c] = turn;
        records.push({ conversation: c, turn, ttftMs: r.ttftMs / scale, totalMs: r.totalMs / scale, pod: r.pod, promptTokens: r.promptTokens, cachedTokens: r.cachedTokens });
        history.push({ role: 'assistant', content: r.text });
        if (turn < turns) {
          history.push({ role: 'user', content: random.pick(FOLLOW_UPS) });
          queue.push(c);
        }
      }
    };
    await Promise.all(Array.from({ length: opts.parallel ?? 4 }, worker));
    return { records, summary: summarise(records, (clock.now() - started) / scale) };
  } finally {
    await dispatcher.close();
  }
}

/** The reference tool's figures over a run's records. */
export function summarise(records: readonly TurnRecord[], wallMs: number): CalibrationSummary {
  const ttfts = records.map((r) => r.ttftMs).sort((a, b) => a - b);
  const first = mean(records.filter((r) => r.turn === 1).map((r) => r.ttftMs));
  const later = mean(records.filter((r) => r.turn > 1).map((r) => r.ttftMs));
  return {
    requests: records.length,
    firstTurnMeanMs: first,
    laterTurnMeanMs: later,
    speedup: first / later,
    p50Ms: percentile(ttfts, 0.5),
    p95Ms: percentile(ttfts, 0.95),
    p99Ms: percentile(ttfts, 0.99),
    kvHitRate: records.reduce((a, r) => a + r.cachedTokens, 0) / Math.max(1, records.reduce((a, r) => a + r.promptTokens, 0)),
    meanTotalMs: mean(records.map((r) => r.totalMs)),
    wallMs,
  };
}
