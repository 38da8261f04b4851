import type { ChatResult } from '../client/types.js';
import type { DocType } from '../corpus/types.js';

/** One request as the statistics and the JSON report see it. */
export interface RequestRecord extends Omit<ChatResult, 'text'> {
  target: string;
  conversation: number;
  /** 1-based turn number within its conversation. */
  turn: number;
  docType: DocType;
  document: string;
}
