import { describe, expect, it } from '@jest/globals';
import { FakeClock } from '../test-support/fake-clock.js';
import { recordingLogger } from '../test-support/recording-logger.js';
import { FailureLog, MAX_IMMEDIATE_PER_INTERVAL } from './failure-log.js';

const INTERVAL_MS = 300_000;

function setup() {
  const clock = new FakeClock();
  const logger = recordingLogger();
  const log = new FailureLog({ logger, clock, intervalMs: INTERVAL_MS });
  const lines = () => logger.atLeast('info').map((l) => [l.level, l.msg, l.fields.target, l.fields.outcome ?? null]);
  return { clock, logger, log, lines };
}

describe('failure log', () => {
  it('logs the first failure at once, then counts the same failure silently until the summary', async () => {
    const { clock, logger, log, lines } = setup();
    log.observe('vllm', 'success');
    for (let i = 0; i < 500; i++) log.observe('vllm', 'connect_error', { error: 'connect ECONNREFUSED 10.0.0.1:8000', turn: 1, conversation: i });
    expect(lines()).toEqual([['warn', 'canary request failed', 'vllm', 'connect_error']]);
    expect(logger.lines.at(-1)?.fields).toEqual({ target: 'vllm', outcome: 'connect_error', err: 'connect ECONNREFUSED 10.0.0.1:8000', turn: 1, conversation: 0 });
    await clock.advance(INTERVAL_MS);
    log.summarise();
    expect(logger.lines.at(-1)).toEqual({
      level: 'warn',
      msg: 'canary requests failed in the last interval',
      fields: { target: 'vllm', intervalSeconds: 300, requests: 501, failures: { connect_error: 500 }, lastErrors: { connect_error: 'connect ECONNREFUSED 10.0.0.1:8000' } },
    });
    // Nothing failed since: no summary line for the target.
    log.summarise();
    expect(logger.lines).toHaveLength(2);
  });

  it('logs a change of kind at once: another outcome, or another HTTP status', () => {
    const { log, lines } = setup();
    log.observe('vllm', 'http_error', { status: 404, error: 'HTTP 404: not found' });
    log.observe('vllm', 'http_error', { status: 404, error: 'HTTP 404: not found' });
    log.observe('vllm', 'http_error', { status: 401, error: 'HTTP 401: bad key' });
    log.observe('vllm', 'timeout', { error: 'no complete response within 120000 ms' });
    log.observe('llm-d', 'timeout', { error: 'no complete response within 120000 ms' });
    expect(lines()).toEqual([
      ['warn', 'canary request failed', 'vllm', 'http_error'],
      ['warn', 'canary request failed', 'vllm', 'http_error'],
      ['warn', 'canary request failed', 'vllm', 'timeout'],
      ['warn', 'canary request failed', 'llm-d', 'timeout'],
    ]);
  });

  it('logs a changed model lookup error at once (a 401 after a 404), the same one only in the summary', () => {
    const { logger, log } = setup();
    log.observe('vllm', 'model_lookup_error', { error: 'cannot list models at http://vllm/v1/models: HTTP 404: not found' });
    log.observe('vllm', 'model_lookup_error', { error: 'cannot list models at http://vllm/v1/models: HTTP 404: not found' });
    log.observe('vllm', 'model_lookup_error', { error: 'cannot list models at http://vllm/v1/models: HTTP 401: unauthorized' });
    expect(logger.atLeast('warn').map((l) => [l.msg, l.fields.err])).toEqual([
      ['cannot discover the model; retrying', 'cannot list models at http://vllm/v1/models: HTTP 404: not found'],
      ['cannot discover the model; retrying', 'cannot list models at http://vllm/v1/models: HTTP 401: unauthorized'],
    ]);
  });

  it('says when a failing target succeeds again, and bounds a flapping target to a few lines per interval', async () => {
    const { clock, log, lines } = setup();
    log.observe('vllm', 'timeout');
    log.observe('vllm', 'success');
    expect(lines()).toEqual([
      ['warn', 'canary request failed', 'vllm', 'timeout'],
      ['info', 'canary requests succeed again', 'vllm', null],
    ]);
    // Alternating kinds would be a line per request: each kind is logged once per interval.
    const flapping = ['timeout', 'success', 'stream_error', 'success'] as const;
    for (let i = 0; i < 1000; i++) log.observe('vllm', flapping[i % flapping.length] ?? 'success');
    // timeout and success were logged already this interval; stream_error is new.
    expect(lines()).toHaveLength(3);
    await clock.advance(INTERVAL_MS);
    log.summarise();
    expect(lines().at(-1)).toEqual(['warn', 'canary requests failed in the last interval', 'vllm', null]);
    // A new interval: the first of each kind is news again, up to the per-interval bound.
    for (let i = 0; i < 2 * MAX_IMMEDIATE_PER_INTERVAL; i++) log.observe('vllm', 'http_error', { status: 500 + i });
    expect(lines().filter(([, msg]) => msg === 'canary request failed')).toHaveLength(2 + MAX_IMMEDIATE_PER_INTERVAL);
  });

  it('never logs cancelled requests (a stop is not a failure of the target)', () => {
    const { logger, log } = setup();
    log.observe('vllm', 'cancelled');
    log.summarise();
    expect(logger.lines).toEqual([]);
  });
});
