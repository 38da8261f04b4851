/** What main.ts and the ground-truth server process share: the stream's shape and their IPC messages. */

export const FIRST_TOKEN_MS = 20;
export const TOKEN_INTERVAL_MS = 10;
export const TOKENS = 16;

/** Messages between main.ts and this process. */
export type ServerMessage = { type: 'ready'; port: number } | { type: 'truth'; entries: [string, number][] };
export type ParentMessage = { type: 'collect' } | { type: 'stop' };
