/**
 * Seed documents for conversations: every usable file under a directory, by default the frozen
 * canary corpus that ships with the package.
 *
 * Determinism matters (conversation i uses document i mod n, and a paired comparison must send
 * the same script to both targets), so entries are visited in code-unit order of their names,
 * depth first, independent of locale and file-system order.
 */
import { open, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { classifyDocument } from './classify.js';
import type { SeedDocument } from './types.js';

export interface LoadCorpusOptions {
  /** Directory of seed documents; the default corpus when absent. */
  dir?: string;
  /** Budget per document in characters; longer documents are cut at a line boundary. */
  maxDocumentChars?: number;
}

/** Never read more than this from one file: a stray multi-gigabyte log must not fill memory. */
const MAX_READ_BYTES = 16 * 1024 * 1024;
/** Bytes inspected for NUL when deciding that a file is binary. */
const BINARY_SNIFF_BYTES = 8192;

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The errno code of a file-system error (duck-typed: errors may come from another realm under jest). */
function errorCode(err: unknown): string {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : String(err);
}

/** Files under `root`, relative with '/' separators; skips dot entries and node_modules. */
async function listFiles(root: string, rel = ''): Promise<string[]> {
  const entries = await readdir(join(root, rel), { withFileTypes: true });
  entries.sort((a, b) => byName(a.name, b.name));
  const out: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const path = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(root, path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** The file's text, or undefined for an empty or binary (NUL-bearing) file. */
async function readText(path: string): Promise<string | undefined> {
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    const buf = Buffer.alloc(Math.min(size, MAX_READ_BYTES));
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    const bytes = buf.subarray(0, bytesRead);
    if (bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0)) return undefined;
    const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
    return text.trim() === '' ? undefined : text;
  } finally {
    await handle.close();
  }
}

/** Cut `content` to at most `max` characters, at the last line end within the budget when there is one. */
export function trimToBudget(content: string, max: number): string {
  if (content.length <= max) return content;
  const cut = content.lastIndexOf('\n', max - 1);
  return cut > 0 ? content.slice(0, cut + 1) : content.slice(0, max);
}

function toDocument(name: string, content: string, max: number | undefined): SeedDocument {
  const type = classifyDocument(name, content);
  if (max === undefined || content.length <= max) return { name, type, content };
  return { name, type, content: trimToBudget(content, max), trimmedFrom: content.length };
}

async function loadDirectory(dir: string, max: number | undefined): Promise<SeedDocument[]> {
  const root = resolve(dir);
  let info;
  try {
    info = await stat(root);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') throw new Error(`seed documents directory '${dir}' does not exist`);
    throw new Error(`cannot read seed documents directory '${dir}': ${errorCode(err)}`);
  }
  if (!info.isDirectory()) throw new Error(`seed documents path '${dir}' is not a directory`);
  let files: string[];
  try {
    files = await listFiles(root);
  } catch (err) {
    throw new Error(`cannot read seed documents directory '${dir}': ${errorCode(err)}`);
  }
  if (files.length === 0) throw new Error(`seed documents directory '${dir}' is empty`);
  const docs: SeedDocument[] = [];
  for (const name of files) {
    let content: string | undefined;
    try {
      content = await readText(join(root, name));
    } catch (err) {
      throw new Error(`cannot read seed document '${join(dir, name)}': ${errorCode(err)}`);
    }
    if (content !== undefined) docs.push(toDocument(name, content, max));
  }
  if (docs.length === 0) {
    throw new Error(`seed documents directory '${dir}' has no usable documents (${files.length} files, all empty or binary)`);
  }
  return docs;
}

/**
 * The default workload: documents written for the canary, shipped in the package and frozen (a
 * change is a new folder, `canary-v2`), so that upgrading kvcanary never changes what it sends.
 * Their file names order them TEXT, CODE, TEXT, ... as the reference tool's sorted listing would.
 */
export const DEFAULT_CORPUS = 'canary-v1';

/** Where the default corpus lives: `corpus/` beside `src/` and `dist/` in the exporter package. */
export function defaultCorpusDir(): string {
  return resolve(fileURLToPath(import.meta.url), '..', '..', '..', 'corpus', DEFAULT_CORPUS);
}

/** Load seed documents from `dir`, or the default corpus. Throws an Error naming the path when unusable. */
export async function loadCorpus(options: LoadCorpusOptions = {}): Promise<SeedDocument[]> {
  const max = options.maxDocumentChars;
  if (max !== undefined && (!Number.isInteger(max) || max < 1)) {
    throw new Error(`maxDocumentChars must be a positive integer, got ${max}`);
  }
  return loadDirectory(options.dir ?? defaultCorpusDir(), max);
}
