import { createHash } from 'node:crypto';
import type { SeedDocument } from '../corpus/types.js';
import { FOLLOW_UPS, INSTRUCTIONS } from './prompts.js';

/** What decides the work a conversation asks of a server, and so what its figures can be compared across. */
export interface WorkloadParameters {
  documents: readonly SeedDocument[];
  turns: number;
  maxTokens: number;
  coldStart: boolean;
}

/** Hex digits kept of the SHA-256: 48 bits, no collision in any realistic number of workloads. */
const DIGEST_CHARS = 12;

/**
 * The workload's identity: a digest of the documents (names, types and text, in conversation
 * order), the instructions and follow-ups, turns, max tokens and the cold-start mode. Two runs with
 * the same digest asked the same kind of questions of the same documents, so their TTFTs compare;
 * any edit to the corpus, the prompts or these parameters gives another digest (a user's own
 * `--seed-documents` / `corpus.dir` included). Left out on purpose: the seed (it only picks among
 * the same follow-ups, and serve draws a new one at each start), the cold-start nonce, the pacing
 * and think times (load, not workload: they are the conditions a regression alert should see).
 */
export function workloadDigest(w: WorkloadParameters): string {
  const identity = {
    documents: w.documents.map((d) => ({ name: d.name, type: d.type, content: d.content })),
    instructions: INSTRUCTIONS,
    followUps: FOLLOW_UPS,
    turns: w.turns,
    maxTokens: w.maxTokens,
    coldStart: w.coldStart,
  };
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, DIGEST_CHARS);
}
