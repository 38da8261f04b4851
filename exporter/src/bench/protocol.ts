/**
 * What the harness (main.ts) and its child processes share: the ground-truth stream's shape, the
 * messages between the harness and the ground-truth server, and what the workload floor is told.
 */

/** The ground-truth server's stream: the first content `firstTokenMs` after arrival, then `chunks - 1` more. */
export interface StreamShape {
  firstTokenMs: number;
  /** Content chunks per response (one word each). */
  chunks: number;
  chunkIntervalMs: number;
}

export const DEFAULT_STREAM: StreamShape = { firstTokenMs: 100, chunks: 50, chunkIntervalMs: 5 };

/** The model id the ground-truth server lists. */
export const TRUTH_MODEL = 'ground-truth';

/**
 * A phase is one client's run: the first `warmUp` completed streams are not measured (the reference
 * tool's warm-up, or a cold start), the next `measured` are. The server reports when the warm-up is
 * over (the harness reads the client's CPU then) and, with their true TTFTs, when the measured
 * streams have all completed (the harness reads the CPU again). With `hold`, the server then stops
 * answering (streams in flight and new requests wait, unanswered) until `release` or the next
 * phase, so that a client that never stops by itself (serve) keeps exactly the measured requests in
 * its window while the harness reads it.
 */
export type ToTruthServer =
  | { type: 'phase'; warmUp: number; measured: number; hold: boolean }
  /** Ends the phase now (a client that stopped early): the truths so far are reported. */
  | { type: 'end-phase' }
  | { type: 'release' }
  | { type: 'stop' };

export type FromTruthServer =
  | { type: 'ready'; port: number }
  | { type: 'phase-set' }
  | { type: 'warmed-up' }
  /** True TTFTs (ms) of the measured streams, in the order they completed. */
  | { type: 'measured'; truths: number[] };

/** The workload floor's settings, passed as its one argument (JSON). */
export interface FloorSettings {
  port: number;
  keepAlive: boolean;
  conversations: number;
  turns: number;
  parallel: number;
  maxTokens: number;
  seed: number;
  /** Seed documents; null = the default corpus the CLI loads. */
  corpusDir: string | null;
  warmUpRequests: number;
  /** Where the floor writes its {@link FloorOutput}. */
  out: string;
}

/** TTFTs (ms) of the floor's measured requests, and how many failed. */
export interface FloorOutput {
  ttfts: number[];
  failures: number;
}
