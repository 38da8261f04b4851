import { describe, expect, it } from '@jest/globals';
import { CHARS_PER_TOKEN, countTokens } from './block-hash.js';
import { Engine, EngineRejection, type FinishedRequest } from './engine.js';
import { DEFAULT_ENGINE_CONFIG, type EngineConfig } from './engine-config.js';
import { FakeClock } from '../test-support/fake-clock.js';
import { generateAnswer } from './text.js';

// Round numbers so every expected time is exact: a step costs 10 ms + 0.1 ms per prefill token.
const config: EngineConfig = {
  ...DEFAULT_ENGINE_CONFIG,
  stepBaseMs: 10,
  prefillMsPerToken: 0.1,
  prefillAttentionMs: 0,
  decodeMsPerSeq: 0,
  kvReadMs: 0,
  maxNumBatchedTokens: 1000,
  answerMinTokens: 5,
  answerMaxTokens: 5,
  timeScale: 1,
};

interface Run {
  tokens: { at: number; text: string }[];
  result?: FinishedRequest;
}

/** A fake clock whose first sleep ends `late` ms after it was due, as on a host that stalled. */
class LateOnce extends FakeClock {
  constructor(private late: number) {
    super();
  }

  override sleep(ms: number, signal?: AbortSignal): Promise<void> {
    const extra = this.late;
    this.late = 0;
    return super.sleep(ms + extra, signal);
  }
}

function submit(engine: Engine, clock: FakeClock, prompt: string, maxTokens = 100): Run {
  const run: Run = { tokens: [] };
  engine.submit(prompt, maxTokens, {
    onToken: (text) => run.tokens.push({ at: clock.now(), text }),
    onFinish: (r) => (run.result = r),
  });
  return run;
}

const prompt = 'x'.repeat(2000); // 500 tokens: 31 full blocks and a partial one

describe('engine timing (fake clock)', () => {
  it('prefills uncached tokens at their cost, then decodes a token a step', async () => {
    const clock = new FakeClock();
    const engine = new Engine(config, clock);
    const run = submit(engine, clock, prompt);
    await clock.advance(1000);
    expect(run.tokens.map((t) => t.at)).toEqual([60, 70, 80, 90, 100]);
    expect(run.result).toMatchObject({ promptTokens: 500, cachedTokens: 0, completionTokens: 5, finishReason: 'stop', arrivedAt: 0, scheduledAt: 0, firstTokenAt: 60, finishedAt: 100 });
    expect(clock.pending()).toBe(0);
  });

  it('serves a repeated prefix from cache: only the uncached tail is prefilled', async () => {
    const clock = new FakeClock();
    const engine = new Engine(config, clock);
    submit(engine, clock, prompt);
    await clock.advance(1000);
    const again = submit(engine, clock, prompt);
    await clock.advance(1000);
    // 31 blocks x 16 = 496 tokens cached; the last 4 cost 0.4 ms on top of the step.
    expect(again.result?.cachedTokens).toBe(496);
    expect((again.result?.firstTokenAt ?? 0) - (again.result?.arrivedAt ?? 0)).toBeCloseTo(10.4, 9);
  });

  it('concurrent prefills share each step\'s token budget', async () => {
    const clock = new FakeClock();
    const engine = new Engine(config, clock);
    const a = submit(engine, clock, 'a'.repeat(2400)); // 600 tokens
    const b = submit(engine, clock, 'b'.repeat(2400));
    await clock.advance(1000);
    // Step 1: a 600 + b 400 (110 ms); step 2: b's last 200 and a's first decode (30 ms).
    expect(a.tokens[0]?.at).toBeCloseTo(110, 9);
    expect(b.tokens[0]?.at).toBeCloseTo(140, 9);
    expect(a.tokens[1]?.at).toBeCloseTo(140, 9);
  });

  it('charges attention by position: a tail after a long cached prefix costs more than the same tail alone', async () => {
    const clock = new FakeClock();
    // 1 ms per token per 1,000 tokens before it; no other cost, to isolate the term.
    const engine = new Engine({ ...config, prefillMsPerToken: 0, prefillAttentionMs: 1, maxNumBatchedTokens: 10_000 }, clock);
    const alone = submit(engine, clock, 'x'.repeat(4000)); // 1000 tokens from position 0: mean position 499.5
    await clock.advance(10_000);
    expect(alone.tokens[0]?.at).toBeCloseTo(10 + 1000 * 0.4995, 6);
  });

  it('charges every sequence in a step for reading its context: decodes slow as the answer grows', async () => {
    const clock = new FakeClock();
    // 1 ms per 1,000 tokens of context read: the prefill step reads nothing, decode k reads 500 + k - 1.
    const engine = new Engine({ ...config, kvReadMs: 1 }, clock);
    const run = submit(engine, clock, prompt);
    await clock.advance(1000);
    const at = run.tokens.map((t) => t.at);
    expect(at[0]).toBeCloseTo(60, 9);
    expect(at[1]).toBeCloseTo(60 + 10.501, 9);
    expect(at[4]).toBeCloseTo(60 + 4 * 10 + (0.501 + 0.502 + 0.503 + 0.504), 9);
  });

  it('charges a prefill chunk for reading the cached context before it', async () => {
    const clock = new FakeClock();
    const engine = new Engine({ ...config, kvReadMs: 1 }, clock);
    submit(engine, clock, prompt);
    await clock.advance(1000);
    const again = submit(engine, clock, prompt);
    await clock.advance(1000);
    // 496 cached tokens read, 4 computed: 10 + 0.4 + 0.496.
    expect((again.result?.firstTokenAt ?? 0) - (again.result?.arrivedAt ?? 0)).toBeCloseTo(10.896, 9);
  });

  it('keeps to its own timeline when a timer fires late: the steps after it catch up', async () => {
    const clock = new LateOnce(30);
    const run = submit(new Engine(config, clock), clock, prompt);
    await clock.advance(1000);
    // The prefill step was due at 60 and ended at 90; the decodes due at 70, 80 and 90 follow at once.
    expect(run.tokens.map((t) => t.at)).toEqual([90, 90, 90, 90, 100]);
  });

  it('never starts a step before the request it works on arrived', async () => {
    const clock = new LateOnce(30);
    const engine = new Engine(config, clock);
    let second: Run | undefined;
    engine.submit(prompt, 100, { onToken: () => void (second ??= submit(engine, clock, 'y'.repeat(2000))), onFinish: () => undefined });
    await clock.advance(1000);
    // Arrived at 90, when the engine's timeline stood at 60: its prefill step runs 90-150.
    expect(second?.tokens[0]?.at).toBe(150);
  });

  it('slows down under injected faults: prefill multiplier and slow tokens (real ms, unscaled)', async () => {
    const clock = new FakeClock();
    const engine = new Engine({ ...config, timeScale: 0.5 }, clock);
    engine.slowdown = { prefillMultiplier: 3, slowTokenMs: 7 };
    const run = submit(engine, clock, prompt);
    await clock.advance(1000);
    // Prefill step: (10 + 500 x 0.1 x 3) x 0.5 = 80; each decode step: 10 x 0.5 + 7 = 12.
    expect(run.tokens.map((t) => t.at)).toEqual([80, 92, 104, 116, 128]);
  });

  it('queues requests beyond maxNumSeqs until a running one finishes', async () => {
    const clock = new FakeClock();
    const engine = new Engine({ ...config, maxNumSeqs: 1 }, clock);
    const first = submit(engine, clock, 'a'.repeat(400));
    const second = submit(engine, clock, 'b'.repeat(400));
    await clock.advance(1);
    expect(engine.runningCount()).toBe(1);
    expect(engine.waitingCount()).toBe(1);
    await clock.advance(1000);
    expect(second.result?.scheduledAt).toBe(first.result?.finishedAt);
    // first: 100 tokens prefilled in 20 ms, 4 more tokens to 60 ms; second waits, then the same.
    expect(first.result?.finishedAt).toBe(60);
    expect(second.result?.firstTokenAt).toBe(80);
  });

  it('cancelling frees the sequence and reports an abort', async () => {
    const clock = new FakeClock();
    const engine = new Engine(config, clock);
    let result: FinishedRequest | undefined;
    const cancel = engine.submit(prompt, 100, { onToken: () => cancel(), onFinish: (r) => (result = r) });
    await clock.advance(1000);
    expect(result).toMatchObject({ finishReason: 'abort', completionTokens: 1 });
    expect(engine.kv.usedBlocks()).toBe(0);
  });

  it('rejects a request longer than the context, as vLLM does', () => {
    const engine = new Engine({ ...config, maxModelLen: 100 }, new FakeClock());
    expect(() => engine.submit('x'.repeat(400), 10, { onToken: () => undefined, onFinish: () => undefined })).toThrow(EngineRejection);
  });

  it('reports the share of recent time it was busy', async () => {
    const clock = new FakeClock();
    const engine = new Engine(config, clock);
    submit(engine, clock, prompt);
    await clock.advance(200);
    expect(engine.utilization(200)).toBeCloseTo(0.5, 9); // busy 0-100 ms of the last 200
  });
});

describe('generated text', () => {
  const opts = { minTokens: 20, maxTokens: 60, limit: 1000 };
  it('is deterministic in prompt and seed, and differs otherwise', () => {
    const a = generateAnswer('prompt one', 1, opts);
    expect(generateAnswer('prompt one', 1, opts)).toEqual(a);
    expect(generateAnswer('prompt two', 1, opts).tokens).not.toEqual(a.tokens);
    expect(generateAnswer('prompt one', 2, opts).tokens).not.toEqual(a.tokens);
    // Sentences of words, cut wherever the last token ends.
    expect(a.tokens.join('')).toMatch(/^[A-Z][a-z]*( [a-z]+|\.|\.\n\n| [A-Z][a-z]+)*( [A-Za-z]*|\.\n?)?$/);
  });

  it('counts as many tokens when sent back as it was generated in', () => {
    const { tokens } = generateAnswer('prompt one', 1, opts);
    expect(tokens.every((t) => t.length === CHARS_PER_TOKEN)).toBe(true);
    expect(countTokens(tokens.join(''))).toBe(tokens.length);
  });

  it('respects max_tokens and says why it stopped', () => {
    const natural = generateAnswer('p', 1, opts);
    expect(natural.finishReason).toBe('stop');
    const cut = generateAnswer('p', 1, { ...opts, limit: 3 });
    expect(cut.tokens).toEqual(natural.tokens.slice(0, 3));
    expect(cut.finishReason).toBe('length');
  });
});
