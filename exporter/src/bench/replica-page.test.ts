import { describe, expect, it } from '@jest/globals';
import { parseExposition } from '../replicas/exposition-parser.js';
import { isWantedMetric, normalise } from '../replicas/normalise.js';
import { padding, replicaPage } from './replica-page.js';

const read = (page: string) => {
  const parsed = parseExposition(page, { keep: isWantedMetric });
  return { errors: parsed.errorCount, samples: parsed.samples.length, figures: normalise(parsed.samples) };
};

describe('the bench replica pages', () => {
  it('are vLLM V1 pages the exporter reads without an error, counters growing scrape by scrape', () => {
    const first = read(replicaPage(1));
    const second = read(replicaPage(2));
    expect(first.errors).toBe(0);
    expect(first.figures.kvCacheUsage).toBe(0.31);
    expect(first.figures.running).toBe(2);
    const total = (m: ReadonlyMap<string, number> | null): number => [...(m?.values() ?? [])].reduce((a, b) => a + b, 0);
    const hits = (r: typeof first): number => total(r.figures.prefixCache.counters?.hits ?? null);
    const queries = (r: typeof first): number => total(r.figures.prefixCache.counters?.queries ?? null);
    expect(hits(second) - hits(first)).toBeGreaterThan(0);
    expect((hits(second) - hits(first)) / (queries(second) - queries(first))).toBeCloseTo(0.65);
  });

  it('pad to at least the size asked with series the exporter parses and then drops', () => {
    const pad = padding(1_000_000);
    expect(Buffer.byteLength(pad)).toBeGreaterThanOrEqual(1_000_000);
    expect(Buffer.byteLength(pad)).toBeLessThan(1_010_000);
    const plain = read(replicaPage(1));
    const padded = read(replicaPage(1) + pad);
    expect(padded.errors).toBe(0);
    expect(padded.samples).toBe(plain.samples);
    expect(padding(0)).toBe('');
  });
});
