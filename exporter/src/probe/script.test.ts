import { describe, expect, it } from '@jest/globals';
import type { SeedDocument } from '../corpus/types.js';
import { FOLLOW_UPS, INSTRUCTIONS } from './prompts.js';
import { conversationScript, nextMessages, runScripts } from './script.js';

const documents: SeedDocument[] = [
  { name: 'a.py', type: 'CODE', content: 'print(1)' },
  { name: 'b.md', type: 'TEXT', content: '# Title' },
  { name: 'c.md', type: 'TEXT', content: 'words' },
];

describe('conversation script', () => {
  it('has 8 instructions and 10 follow-ups per document type', () => {
    for (const type of ['CODE', 'TEXT'] as const) {
      expect(new Set(INSTRUCTIONS[type]).size).toBe(8);
      expect(new Set(FOLLOW_UPS[type]).size).toBe(10);
    }
  });

  it('is the same for the same seed, and differs with another seed', () => {
    const a = runScripts({ count: 11, documents, turns: 10, seed: 42 });
    const b = runScripts({ count: 11, documents, turns: 10, seed: 42 });
    const c = runScripts({ count: 11, documents, turns: 10, seed: 43 });
    expect(a).toEqual(b);
    expect(a.map((s) => s.followUps)).not.toEqual(c.map((s) => s.followUps));
  });

  it('uses document i mod n and the instruction by conversation id', () => {
    const s = conversationScript({ id: 10, documents, turns: 3, seed: 1 });
    expect(s.document.name).toBe('b.md'); // 10 mod 3 = 1
    expect(s.instruction).toBe(INSTRUCTIONS.TEXT[10 % 8]);
    expect(s.followUps).toHaveLength(2);
    for (const f of s.followUps) expect(FOLLOW_UPS.TEXT).toContain(f);
  });

  it('does not depend on which other conversations were built', () => {
    expect(conversationScript({ id: 7, documents, turns: 5, seed: 9 })).toEqual(runScripts({ count: 8, documents, turns: 5, seed: 9 })[7]);
  });

  it('turn 1 fences the document; later turns append the previous answer and the follow-up', () => {
    const s = conversationScript({ id: 0, documents, turns: 3, seed: 1 });
    const t1 = nextMessages(s, [], '', 1);
    expect(t1).toEqual([{ role: 'user', content: `${s.instruction}\n\n\`\`\`\nprint(1)\n\`\`\`` }]);
    const t2 = nextMessages(s, t1, 'first answer', 2);
    expect(t2).toEqual([...t1, { role: 'assistant', content: 'first answer' }, { role: 'user', content: s.followUps[0] }]);
    const t3 = nextMessages(s, t2, 'second answer', 3);
    expect(t3.slice(0, 3)).toEqual(t2);
    expect(t3.slice(3)).toEqual([{ role: 'assistant', content: 'second answer' }, { role: 'user', content: s.followUps[1] }]);
    expect(() => nextMessages(s, t3, 'x', 4)).toThrow(/past the script/);
  });

  it('refuses an empty corpus', () => {
    expect(() => conversationScript({ id: 0, documents: [], turns: 1, seed: 1 })).toThrow(/no documents/);
  });
});
