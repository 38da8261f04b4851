export type DocType = 'CODE' | 'TEXT';

export interface SeedDocument {
  /** File name relative to the corpus root; shown in reports, never used as a label. */
  name: string;
  type: DocType;
  content: string;
}
