import { describe, expect, it } from '@jest/globals';
import type { SeedDocument } from '../corpus/types.js';
import { FOLLOW_UPS, INSTRUCTIONS } from './prompts.js';
import { conversationScript, nextMessages, runScripts, type ScriptPlan } from './script.js';

const documents: SeedDocument[] = [
  { name: 'a.py', type: 'CODE', content: 'print(1)' },
  { name: 'b.md', type: 'TEXT', content: '# Title' },
  { name: 'c.md', type: 'TEXT', content: 'words' },
];

const plan = (over: Partial<ScriptPlan> = {}): ScriptPlan => ({ documents, turns: 10, seed: 42, thinkTime: { minMs: 500, maxMs: 2000 }, ...over });

describe('conversation script', () => {
  it('has 8 instructions and 10 follow-ups per document type', () => {
    for (const type of ['CODE', 'TEXT'] as const) {
      expect(new Set(INSTRUCTIONS[type]).size).toBe(8);
      expect(new Set(FOLLOW_UPS[type]).size).toBe(10);
    }
  });

  it('is the same for the same seed, and differs with another seed', () => {
    const a = runScripts(plan(), 11);
    const b = runScripts(plan(), 11);
    const c = runScripts(plan({ seed: 43 }), 11);
    expect(a).toEqual(b);
    expect(a.map((s) => s.followUps)).not.toEqual(c.map((s) => s.followUps));
    expect(a.map((s) => s.thinkMs)).not.toEqual(c.map((s) => s.thinkMs));
  });

  it('uses document i mod n and the instruction by conversation id', () => {
    const s = conversationScript(plan({ turns: 3, seed: 1 }), 10);
    expect(s.document.name).toBe('b.md'); // 10 mod 3 = 1
    expect(s.instruction).toBe(INSTRUCTIONS.TEXT[10 % 8]);
    expect(s.followUps).toHaveLength(2);
    for (const f of s.followUps) expect(FOLLOW_UPS.TEXT).toContain(f);
  });

  it('does not depend on which other conversations were built', () => {
    expect(conversationScript(plan({ turns: 5, seed: 9 }), 7)).toEqual(runScripts(plan({ turns: 5, seed: 9 }), 8)[7]);
  });

  it('draws a think time per turn within the bounds, and asks the same whatever the pacing', () => {
    const paced = conversationScript(plan(), 3);
    expect(paced.thinkMs).toHaveLength(10);
    expect(paced.thinkMs.every((ms) => ms >= 500 && ms < 2000)).toBe(true);
    const probe = conversationScript(plan({ thinkTime: { minMs: 0, maxMs: 0 } }), 3);
    expect(probe.thinkMs).toEqual(Array(10).fill(0));
    expect(probe.followUps).toEqual(paced.followUps);
    // A shorter run of the same conversation asks the same first questions.
    expect(conversationScript(plan({ turns: 4 }), 3).followUps).toEqual(paced.followUps.slice(0, 3));
  });

  it('turn 1 fences the document; later turns append the previous answer and the follow-up', () => {
    const s = conversationScript(plan({ turns: 3, seed: 1 }), 0);
    const t1 = nextMessages(s, [], '', 1);
    expect(t1).toEqual([{ role: 'user', content: `${s.instruction}\n\n\`\`\`\nprint(1)\n\`\`\`` }]);
    const t2 = nextMessages(s, t1, 'first answer', 2);
    expect(t2).toEqual([...t1, { role: 'assistant', content: 'first answer' }, { role: 'user', content: s.followUps[0] }]);
    const t3 = nextMessages(s, t2, 'second answer', 3);
    expect(t3.slice(0, 3)).toEqual(t2);
    expect(t3.slice(3)).toEqual([{ role: 'assistant', content: 'second answer' }, { role: 'user', content: s.followUps[1] }]);
    expect(() => nextMessages(s, t3, 'x', 4)).toThrow(/past the script/);
  });

  it('cold start: opens turn 1 with a marker that differs within the first KV block, the same for conversation i on every target', () => {
    const cold = plan({ turns: 3, coldStart: { nonce: 77 } });
    const scripts = runScripts(cold, 16);
    const firsts = scripts.map((s) => nextMessages(s, [], '', 1)[0]?.content ?? '');
    // vLLM's and the simulator's blocks are 16 tokens, about 64 characters: the marker's hex digits come well before.
    expect(new Set(firsts.map((f) => f.slice(0, 32))).size).toBe(16);
    expect(new Set(scripts.map((s) => s.marker?.length)).size).toBe(1);
    expect(firsts[0]).toBe(`${scripts[0]?.marker}${nextMessages(conversationScript(plan({ turns: 3 }), 0), [], '', 1)[0]?.content}`);
    // Paired: the same plan gives conversation i the same marker wherever it is built.
    expect(conversationScript(cold, 5)).toEqual(scripts[5]);
    // A restart (a new nonce) or another seed never reuses a marker.
    const others = [...runScripts(plan({ turns: 3, coldStart: { nonce: 78 } }), 16), ...runScripts(plan({ turns: 3, seed: 43, coldStart: { nonce: 77 } }), 16)];
    for (const o of others) expect(scripts.map((s) => s.marker)).not.toContain(o.marker);
    // Later turns keep the marked first message: the conversation still shares its own prefix.
    const s0 = scripts[0] as (typeof scripts)[number];
    const t1 = nextMessages(s0, [], '', 1);
    expect(nextMessages(s0, t1, 'answer', 2)[0]).toEqual(t1[0]);
  });

  it('without cold start, conversation i + lcm(n, 8) sends conversation i\'s first turn again, as the reference tool does', () => {
    const scripts = runScripts(plan({ turns: 2 }), 25);
    const first = (i: number) => nextMessages(scripts[i] as (typeof scripts)[number], [], '', 1);
    expect(first(24)).toEqual(first(0)); // lcm(3, 8) = 24
    expect(scripts[0]?.marker).toBeNull();
  });

  it('refuses an empty corpus', () => {
    expect(() => conversationScript(plan({ documents: [], turns: 1, seed: 1 }), 0)).toThrow(/no documents/);
  });
});
