import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { typeByExtension } from './classify.js';
import { DEFAULT_CORPUS, defaultCorpusDir, loadCorpus } from './load-corpus.js';
import type { DocType } from '@kvcanary/contract';

/** canary-v1 as released. Never edit an entry: a different workload is a new corpus, canary-v2. */
const CANARY_V1: readonly { name: string; type: DocType; bytes: number; sha256: string }[] = [
  { name: '01-incident-report.txt', type: 'TEXT', bytes: 12408, sha256: 'bba22b92b16e5816bd536499ff674fc74c869810b4cd907dd23cec4cae36a225' },
  { name: '02-log-parser.py', type: 'CODE', bytes: 14291, sha256: '3a55f88719d8aba156162f3752b61b3e9066ee8e5cec4a5e6a7c2b1c70265b4a' },
  { name: '03-release-notes.md', type: 'TEXT', bytes: 16534, sha256: 'cfb062a4f8920816cb0707236728c481f678983f8ff9eaf35a91fda19446c605' },
  { name: '04-rate-limiter.java', type: 'CODE', bytes: 19833, sha256: 'b8c95e57f08d86cffd06e775624cae6c3d0db109ecbd500ab640ba175b0a7750' },
  { name: '05-glossary.rst', type: 'TEXT', bytes: 22518, sha256: '652c2b5347a5320519e1bb8b4c08b345365d49b59316082c50a32a3da6b16627' },
  { name: '06-ring-buffer.rs', type: 'CODE', bytes: 26752, sha256: '4caecaef7b71dcee072675e8e39d51eed452e4b331d338affddc33e18b628a8b' },
  { name: '07-tutorial.html', type: 'TEXT', bytes: 30510, sha256: '7176670f9472a03408aea0782feb5df22e52d24b60442e716e86b074354cfb91' },
  { name: '08-state-machine.ts', type: 'CODE', bytes: 37328, sha256: '3271e3154b5be6c6adccc085530f7475b0933d7fdd7f14dfbf6d0fb0036ea3d4' },
  { name: '09-design-review.md', type: 'TEXT', bytes: 41842, sha256: '798700cbf3e06456b390076ef4d4f0a537dd69a5707318942a35dd919aded28a' },
  { name: '10-inventory-schema.sql', type: 'CODE', bytes: 48653, sha256: 'ab7aaa9417c83bd87e4a552ba4d8702d010b1742a9403837690353a0e65391a4' },
  { name: '11-operations-handbook.md', type: 'TEXT', bytes: 55059, sha256: '78ab48133493068a0da4d4d6c69bb9fca05b56b5a017ebbf66a77d2dcd3c6047' },
];

const FROZEN = 'canary-v1 is frozen; make canary-v2 instead';
/** A passage this long appearing twice is copied text, not a shared phrase. */
const REPEAT_WINDOW = 400;

async function readPinnedFiles(): Promise<Map<string, Buffer>> {
  const dir = defaultCorpusDir();
  const files = new Map<string, Buffer>();
  for (const name of (await readdir(dir)).sort()) files.set(name, await readFile(join(dir, name)));
  return files;
}

/** Every way the folder differs from the pinned release, one line each. */
function frozenProblems(files: ReadonlyMap<string, Buffer>): string[] {
  const problems: string[] = [];
  const pinned = new Set(CANARY_V1.map((d) => d.name));
  for (const name of files.keys()) if (!pinned.has(name)) problems.push(`${FROZEN}: '${name}' was added`);
  for (const doc of CANARY_V1) {
    const bytes = files.get(doc.name);
    if (bytes === undefined) {
      problems.push(`${FROZEN}: '${doc.name}' was removed or renamed`);
      continue;
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (bytes.length !== doc.bytes || sha256 !== doc.sha256) {
      problems.push(`${FROZEN}: '${doc.name}' was edited (${bytes.length} bytes, sha256 ${sha256}; released as ${doc.bytes} bytes, ${doc.sha256})`);
    }
  }
  return problems;
}

/** The first passage of `size` characters that occurs twice, within or across documents. */
function firstRepeat(docs: readonly { name: string; content: string }[], size: number): string | undefined {
  const seen = new Map<string, string>();
  for (const { name, content } of docs) {
    for (let at = 0; at + size <= content.length; at++) {
      const passage = content.slice(at, at + size);
      const earlier = seen.get(passage);
      if (earlier !== undefined) return `${name} at ${at} repeats ${earlier}: ${JSON.stringify(passage.slice(0, 80))}...`;
      seen.set(passage, `${name} at ${at}`);
    }
  }
  return undefined;
}

describe(`the default corpus, ${DEFAULT_CORPUS}`, () => {
  it('is exactly the released files, byte for byte', async () => {
    const files = await readPinnedFiles();
    expect(frozenProblems(files)).toEqual([]);
  });

  it('says what changed when a file differs from the release', () => {
    const files = new Map(CANARY_V1.map((d) => [d.name, Buffer.alloc(d.bytes)]));
    files.delete('02-log-parser.py');
    files.set('12-extra.md', Buffer.from('# more\n'));
    const problems = frozenProblems(files);
    expect(problems).toContain(`${FROZEN}: '12-extra.md' was added`);
    expect(problems).toContain(`${FROZEN}: '02-log-parser.py' was removed or renamed`);
    expect(problems.filter((p) => p.includes('was edited'))).toHaveLength(CANARY_V1.length - 1);
  });

  it('is what loadCorpus serves by default: every document whole, in release order, typed by extension', async () => {
    const docs = await loadCorpus();
    expect(docs.map((d) => ({ name: d.name, type: d.type, chars: d.content.length, trimmed: d.trimmedFrom }))).toEqual(
      CANARY_V1.map((d) => ({ name: d.name, type: d.type, chars: d.bytes, trimmed: undefined })),
    );
    // Extensions the reference tool knows, so it loads and classifies this folder the same way.
    expect(docs.map((d) => typeByExtension(d.name))).toEqual(docs.map((d) => d.type));
  });

  it('orders the documents for the reference split: 6 TEXT and 5 CODE, alternating, each once', async () => {
    // Conversation i uses document i mod n (probe/script.ts), so this order is what the first eleven conversations get.
    const documents = await loadCorpus();
    expect(documents.map((d) => d.type)).toEqual(['TEXT', 'CODE', 'TEXT', 'CODE', 'TEXT', 'CODE', 'TEXT', 'CODE', 'TEXT', 'CODE', 'TEXT']);
    expect(new Set(documents.map((d) => d.name)).size).toBe(11);
  });

  it('spreads geometrically over the reference sizes, 12 to 56 KB, with CODE in five languages', () => {
    const sizes = CANARY_V1.map((d) => d.bytes);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(12 * 1024);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(56_000);
    // Mostly smaller documents and a few large ones (corpus/README.md says why): each one 10 to 25 %
    // larger than the one before.
    const growth = sizes.slice(1).map((size, i) => size / (sizes[i] as number));
    expect(growth.filter((g) => g < 1.1 || g > 1.25)).toEqual([]);
    const languages = CANARY_V1.filter((d) => d.type === 'CODE').map((d) => d.name.slice(d.name.lastIndexOf('.')));
    expect(new Set(languages).size).toBe(5);
  });

  it('repeats no 400-character passage, within or across documents', async () => {
    const docs = await loadCorpus();
    expect(firstRepeat(docs, REPEAT_WINDOW)).toBeUndefined();
  });

  it('finds a repeated passage when there is one', () => {
    const paragraph = 'A paragraph long enough to matter. '.repeat(12);
    expect(firstRepeat([{ name: 'a', content: `start ${paragraph}` }, { name: 'b', content: `${paragraph} end` }], REPEAT_WINDOW)).toMatch(/^b at 0 repeats a at 6/);
    expect(firstRepeat([{ name: 'a', content: paragraph.slice(0, 399) }, { name: 'b', content: paragraph.slice(0, 399) }], REPEAT_WINDOW)).toBeUndefined();
  });

  it('is ASCII and never closes the fence that turn 1 wraps it in', async () => {
    for (const [name, bytes] of await readPinnedFiles()) {
      expect({ name, nonAscii: bytes.findIndex((b) => b > 0x7e || (b < 0x20 && b !== 0x0a)) }).toEqual({ name, nonAscii: -1 });
      expect({ name, fence: bytes.toString('ascii').includes('```') }).toEqual({ name, fence: false });
    }
  });

  it('is listed in corpus/README.md with each document\'s type and size', async () => {
    const readme = await readFile(join(defaultCorpusDir(), '..', 'README.md'), 'utf8');
    for (const doc of CANARY_V1) expect(readme).toContain(`| \`${doc.name}\` | ${doc.type} | ${doc.bytes.toLocaleString('en-US')} |`);
    expect(readme).toContain(FROZEN);
  });
});
