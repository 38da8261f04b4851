import { describe, expect, it } from '@jest/globals';
import { loadCorpus } from '../corpus/load-corpus.js';
import type { SeedDocument } from '../corpus/types.js';
import { workloadDigest, type WorkloadParameters } from './workload.js';

const documents: SeedDocument[] = [
  { name: 'a.py', type: 'CODE', content: 'print(1)' },
  { name: 'b.md', type: 'TEXT', content: '# Title' },
];
const base: WorkloadParameters = { documents, turns: 10, maxTokens: 500, coldStart: true };

describe('workloadDigest', () => {
  it('is the same for the same documents and parameters, however they were loaded', () => {
    expect(workloadDigest(base)).toMatch(/^[0-9a-f]{12}$/);
    expect(workloadDigest({ ...base, documents: documents.map((d) => ({ ...d })) })).toBe(workloadDigest(base));
  });

  it('changes with any document, its order, or a conversation parameter', () => {
    const digests = [
      workloadDigest(base),
      workloadDigest({ ...base, documents: [documents[0] as SeedDocument, { ...(documents[1] as SeedDocument), content: '# Title!' }] }),
      workloadDigest({ ...base, documents: [...documents].reverse() }),
      workloadDigest({ ...base, turns: 9 }),
      workloadDigest({ ...base, maxTokens: 499 }),
      workloadDigest({ ...base, coldStart: false }),
    ];
    expect(new Set(digests).size).toBe(digests.length);
  });

  it('names the frozen default corpus by one digest, and a user corpus by its own', async () => {
    const frozen = await loadCorpus();
    const again = await loadCorpus();
    expect(workloadDigest({ ...base, documents: frozen })).toBe(workloadDigest({ ...base, documents: again }));
    expect(workloadDigest({ ...base, documents: frozen.slice(1) })).not.toBe(workloadDigest({ ...base, documents: frozen }));
  });
});
