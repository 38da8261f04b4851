import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCorpus, trimToBudget } from './load-corpus.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'kvcanary-corpus-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function makeDir(name: string, files: Record<string, string | Buffer>): Promise<string> {
  const dir = join(root, name);
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(join(dir, rel, '..'), { recursive: true });
    await writeFile(join(dir, rel), content);
  }
  await mkdir(dir, { recursive: true });
  return dir;
}

describe('loadCorpus from a directory', () => {
  it('reads recursively in name order, classifies, and skips binaries, empty and hidden files', async () => {
    const dir = await makeDir('mixed', {
      'b.md': '# Title\n\nSome prose here.\n',
      'a.py': 'def f():\n    return 1\n',
      'sub/z.txt': 'more text\n',
      'sub/run': '#!/bin/sh\nset -e\nfor x in 1 2; do\n  echo "$x";\ndone\n',
      'image.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]),
      'empty.txt': '',
      'blank.md': '  \n\n',
      '.hidden.md': 'secret notes\n',
    });
    const docs = await loadCorpus({ dir });
    expect(docs.map((d) => [d.name, d.type])).toEqual([
      ['a.py', 'CODE'],
      ['b.md', 'TEXT'],
      ['sub/run', 'CODE'],
      ['sub/z.txt', 'TEXT'],
    ]);
    expect(docs[0]?.content).toBe('def f():\n    return 1\n');
    expect(docs.every((d) => d.trimmedFrom === undefined)).toBe(true);
  });

  it('trims a document over the budget at a line boundary and reports it', async () => {
    const long = Array.from({ length: 100 }, (_, i) => `line ${i} of the document`).join('\n') + '\n';
    const dir = await makeDir('long', { 'long.txt': long, 'short.txt': 'short\n' });
    const docs = await loadCorpus({ dir, maxDocumentChars: 200 });
    const trimmed = docs.find((d) => d.name === 'long.txt');
    expect(trimmed?.trimmedFrom).toBe(long.length);
    expect(trimmed?.content.length).toBeLessThanOrEqual(200);
    expect(trimmed?.content.endsWith('\n')).toBe(true);
    expect(long.startsWith(trimmed?.content ?? 'x')).toBe(true);
    expect(docs.find((d) => d.name === 'short.txt')?.trimmedFrom).toBeUndefined();
  });

  it('names the path when the directory is missing, empty, not a directory, or has no usable document', async () => {
    const missing = join(root, 'nope');
    await expect(loadCorpus({ dir: missing })).rejects.toThrow(`seed documents directory '${missing}' does not exist`);
    const empty = await makeDir('empty', {});
    await expect(loadCorpus({ dir: empty })).rejects.toThrow(`seed documents directory '${empty}' is empty`);
    const useless = await makeDir('useless', { 'a.bin': Buffer.from([0, 1, 2]), 'b.txt': '' });
    await expect(loadCorpus({ dir: useless })).rejects.toThrow(`seed documents directory '${useless}' has no usable documents`);
    const file = join(useless, 'b.txt');
    await expect(loadCorpus({ dir: file })).rejects.toThrow(`seed documents path '${file}' is not a directory`);
  });

  it('rejects a nonsensical budget', async () => {
    await expect(loadCorpus({ maxDocumentChars: 0 })).rejects.toThrow('maxDocumentChars');
  });
});

describe('trimToBudget', () => {
  it('cuts at the last line end within the budget, or hard when a line is longer than the budget', () => {
    expect(trimToBudget('ab\ncd\nef\n', 7)).toBe('ab\ncd\n');
    expect(trimToBudget('abcdefghij', 4)).toBe('abcd');
    expect(trimToBudget('short', 10)).toBe('short');
  });
});

describe('loadCorpus without a directory', () => {
  it('loads the frozen default corpus, applying the budget like any other', async () => {
    const whole = await loadCorpus();
    expect(whole[0]?.name).toBe('01-incident-report.txt');
    const trimmed = await loadCorpus({ maxDocumentChars: 20_000 });
    expect(trimmed.map((d) => d.name)).toEqual(whole.map((d) => d.name));
    expect(trimmed.filter((d) => d.trimmedFrom !== undefined).map((d) => d.name)).toEqual(
      whole.filter((d) => d.content.length > 20_000).map((d) => d.name),
    );
    expect(trimmed.every((d) => d.content.length <= 20_000)).toBe(true);
  });
});
