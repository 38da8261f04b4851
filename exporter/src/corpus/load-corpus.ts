/**
 * Seed documents for conversations: every usable file under a directory, or the default corpus.
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

/** The exporter package root: from src/corpus under jest and from dist/corpus after tsc alike. */
export function packageRoot(): string {
  return resolve(fileURLToPath(import.meta.url), '..', '..', '..');
}

/**
 * Default-corpus code documents span the sizes of the reference corpus (12-56 KB): big enough for the
 * cache to matter, small enough for a 16k-token context.
 */
const MIN_MODULE_CHARS = 8 * 1024;
const DEFAULT_MAX_CHARS = 56 * 1024;

const isTest = (rel: string): boolean => /\.test\.[jt]s$/.test(rel) || rel.includes('test-support/');

/** The guides in `corpus/`, one TEXT document each. */
async function loadGuides(root: string, max: number): Promise<SeedDocument[]> {
  const files = await listFiles(join(root, 'corpus')).catch(() => []);
  const docs: SeedDocument[] = [];
  for (const rel of files.filter((f) => f.endsWith('.md'))) {
    const content = await readText(join(root, 'corpus', rel));
    if (content !== undefined) docs.push(toDocument(`corpus/${rel}`, content, max));
  }
  return docs;
}

/**
 * One CODE document per module (a top-level folder of `folder`): its non-test files joined, each under
 * a comment naming it. A module is what a user hands a code assistant, and it is what reaches the
 * reference sizes: single files here are mostly under 10 KB.
 */
async function loadModules(root: string, folder: string, extension: string, max: number): Promise<SeedDocument[]> {
  const files = await listFiles(join(root, folder)).catch(() => undefined);
  if (files === undefined) return [];
  const modules = new Map<string, string[]>();
  for (const rel of files) {
    const slash = rel.indexOf('/');
    if (slash < 0 || !rel.endsWith(extension) || isTest(rel)) continue;
    const module = rel.slice(0, slash);
    modules.set(module, [...(modules.get(module) ?? []), rel]);
  }
  const docs: SeedDocument[] = [];
  for (const [module, rels] of modules) {
    const parts: string[] = [];
    for (const rel of rels) {
      const content = await readText(join(root, folder, rel));
      if (content !== undefined) parts.push(`// ${folder}/${rel}\n${content}`);
    }
    const joined = parts.join('\n');
    if (joined.length >= MIN_MODULE_CHARS) docs.push(toDocument(`${folder}/${module}/*${extension}`, joined, max));
  }
  return docs;
}

/** a0 b0 a1 b1 ...: any run of consecutive conversations mixes both kinds, as in the reference corpus. */
function interleave<T>(a: T[], b: T[]): T[] {
  const out: T[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (i < a.length) out.push(a[i] as T);
    if (i < b.length) out.push(b[i] as T);
  }
  return out;
}

/**
 * The default corpus: documents that ship with the project, nothing copied from elsewhere — the guides
 * in `corpus/` (TEXT) and this package's own modules (CODE). Without `src` (a package installed
 * without sources) the compiled `dist` JavaScript stands in for the code.
 */
async function loadDefault(max: number | undefined): Promise<SeedDocument[]> {
  const root = packageRoot();
  const budget = Math.min(max ?? DEFAULT_MAX_CHARS, DEFAULT_MAX_CHARS);
  const text = await loadGuides(root, budget);
  const sources = await loadModules(root, 'src', '.ts', budget);
  const code = sources.length > 0 ? sources : await loadModules(root, 'dist', '.js', budget);
  const picked = interleave(text, code);
  if (picked.length === 0) throw new Error(`the default corpus under '${root}' has no documents; pass a seed documents directory`);
  return picked;
}

/** Load seed documents from `dir`, or the default corpus. Throws an Error naming the path when unusable. */
export async function loadCorpus(options: LoadCorpusOptions = {}): Promise<SeedDocument[]> {
  const max = options.maxDocumentChars;
  if (max !== undefined && (!Number.isInteger(max) || max < 1)) {
    throw new Error(`maxDocumentChars must be a positive integer, got ${max}`);
  }
  return options.dir === undefined ? loadDefault(max) : loadDirectory(options.dir, max);
}
