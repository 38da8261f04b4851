import type { RequestRecord } from '@kvcanary/contract/schemas';

/** A successful request with fixed times; tests override only what they are about. */
export function makeRecord(overrides: Partial<RequestRecord> = {}): RequestRecord {
  return {
    target: 'baseline',
    conversation: 0,
    turn: 1,
    docType: 'TEXT',
    document: 'doc.md',
    outcome: 'success',
    startedAt: 1_700_000_000_000,
    ttftMs: 100,
    totalMs: 1000,
    ...overrides,
  };
}

/**
 * A successful request to `vllm` with every measured field set (ITL, tokens, replica), for the metrics.
 * Its first content is its first token (a model that streams no reasoning) unless a test says otherwise.
 */
export function measuredRecord(overrides: Partial<RequestRecord> = {}): RequestRecord {
  const ttftMs = 'ttftMs' in overrides ? overrides.ttftMs : 300;
  return makeRecord({
    target: 'vllm',
    conversation: 1,
    docType: 'CODE',
    document: 'a.py',
    ttftMs,
    ttfcMs: ttftMs,
    totalMs: 2000,
    itlMs: 20,
    promptTokens: 100,
    completionTokens: 50,
    cachedTokens: 16,
    replica: 'pod-0',
    ...overrides,
  });
}
