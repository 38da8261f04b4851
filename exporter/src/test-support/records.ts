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
