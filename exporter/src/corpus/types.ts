import type { DocType } from '@kvcanary/contract';

export interface SeedDocument {
  /** File name relative to the corpus root; shown in reports, never used as a label. */
  name: string;
  type: DocType;
  content: string;
  /**
   * Set when the document was longer than the budget and cut (at a line boundary): its length in
   * characters before trimming, so the CLI can warn. Absent when the document is whole.
   */
  trimmedFrom?: number;
}
