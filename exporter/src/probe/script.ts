import { createHash } from 'node:crypto';
import type { ChatMessage } from '../client/types.js';
import type { SeedDocument } from '../corpus/types.js';
import { seededRandom } from '../util/random.js';
import { FOLLOW_UPS, INSTRUCTIONS } from './prompts.js';
import type { ThinkTime } from './types.js';

/**
 * Everything a conversation will ask, and when, decided before it starts, so that the same script
 * sent to several targets gives them identical work (a paired comparison). Only the answers differ,
 * and they are fed back as each target produced them.
 */
export interface ConversationScript {
  id: number;
  document: SeedDocument;
  instruction: string;
  /** followUps[k] is the user message of turn k + 2. */
  followUps: readonly string[];
  /** thinkMs[k] is the pause before turn k + 1, as a user reading the answer. */
  thinkMs: readonly number[];
  turns: number;
  /** Opens turn 1 when the plan is cold-start: unique to the run and the conversation. */
  marker: string | null;
}

/**
 * What a run's scripts are made from. serve, bench and /probe all build conversation i of a run as
 * `conversationScript(plan, i)`, so conversation i is the same script on every target and on every
 * replay of the seed.
 */
export interface ScriptPlan {
  documents: readonly SeedDocument[];
  turns: number;
  seed: number;
  thinkTime: ThinkTime;
  /**
   * Cold first turns by construction: turn 1 opens with a marker unique to (seed, nonce,
   * conversation), so no earlier prompt shares even its first KV block (16 tokens in vLLM and the
   * simulator) and every first turn is a full prefill; later turns still share their own
   * conversation's prefix. The nonce is drawn at each start, so a restart or a second run with the
   * same seed does not find the previous run's first turns in the cache. Without it, conversation
   * `id` repeats conversation `id - lcm(n, 8)` exactly, as the reference tool's runs repeat each other.
   */
  coldStart?: { nonce: number };
}

/** A well-mixed 32-bit seed per (run seed, conversation): conversations do not depend on each other's order. */
export function conversationSeed(seed: number, id: number): number {
  let h = (seed ^ Math.imul(id + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Conversation `id` of a run: document `id mod n` and the instruction by id (as the reference tool),
 * then follow-ups and think times from one random stream seeded by (seed, id), follow-ups first, so
 * the questions do not depend on the pacing.
 */
export function conversationScript(plan: ScriptPlan, id: number): ConversationScript {
  const { documents, turns, thinkTime } = plan;
  if (documents.length === 0) throw new Error('no documents to build a conversation from');
  if (!Number.isInteger(turns) || turns < 1) throw new RangeError('turns must be a positive integer');
  const document = documents[id % documents.length] as SeedDocument;
  const instructions = INSTRUCTIONS[document.type];
  const random = seededRandom(conversationSeed(plan.seed, id));
  const followUps = Array.from({ length: turns - 1 }, () => random.pick(FOLLOW_UPS[document.type]));
  const thinkMs = Array.from({ length: turns }, () => (thinkTime.maxMs > thinkTime.minMs ? random.uniform(thinkTime.minMs, thinkTime.maxMs) : thinkTime.minMs));
  const marker = plan.coldStart ? coldStartMarker(plan.seed, plan.coldStart.nonce, id) : null;
  return { id, document, instruction: instructions[id % instructions.length] as string, followUps, thinkMs, turns, marker };
}

/**
 * `Conversation 0123456789abcdef.` and a blank line: the same length for every conversation (equal
 * work for every run), and its 16 distinguishing hex digits within the first 32 characters, well
 * inside the first 16-token block even behind a chat template's role header.
 */
export function coldStartMarker(seed: number, nonce: number, id: number): string {
  const hex = createHash('sha256').update(`${seed}:${nonce}:${id}`).digest('hex').slice(0, 16);
  return `Conversation ${hex}.\n\n`;
}

/** The scripts of a fixed-size run (bench): conversations 0..count-1. */
export function runScripts(plan: ScriptPlan, count: number): ConversationScript[] {
  return Array.from({ length: count }, (_, id) => conversationScript(plan, id));
}

export function firstTurnMessage(script: ConversationScript): ChatMessage {
  return { role: 'user', content: `${script.marker ?? ''}${script.instruction}\n\n\`\`\`\n${script.document.content}\n\`\`\`` };
}

/**
 * The messages of turn `turn` (1-based): turn 1 is the instruction and the document; every later
 * turn is the previous turn's messages, the previous answer as the assistant, and the follow-up,
 * so the prompt prefix grows as it does for a real user.
 */
export function nextMessages(script: ConversationScript, previous: readonly ChatMessage[], previousAnswer: string, turn: number): ChatMessage[] {
  return turn === 1 ? addedMessages(script, previousAnswer, turn) : [...previous, ...addedMessages(script, previousAnswer, turn)];
}

/** What turn `turn` adds to the history: the opening message, or the previous answer and the follow-up. */
export function addedMessages(script: ConversationScript, previousAnswer: string, turn: number): ChatMessage[] {
  if (turn === 1) return [firstTurnMessage(script)];
  const followUp = script.followUps[turn - 2];
  if (followUp === undefined) throw new RangeError(`turn ${turn} is past the script's ${script.turns} turns`);
  return [
    { role: 'assistant', content: previousAnswer },
    { role: 'user', content: followUp },
  ];
}
