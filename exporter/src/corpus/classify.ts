/**
 * CODE or TEXT: by extension when it is one the reference benchmark tool knows (its two lists,
 * below), by content otherwise, so that a Makefile, a shell script or a JSON file still lands in the
 * right bucket. The tool: https://developers.redhat.com/articles/2026/01/13/accelerate-multi-turn-workloads-llm-d
 */
import type { DocType } from '@kvcanary/contract';

const CODE_EXTENSIONS = new Set(['.py', '.go', '.rs', '.tsx', '.ts', '.js', '.sql', '.java', '.c', '.cpp', '.rb']);
const TEXT_EXTENSIONS = new Set(['.md', '.txt', '.rst', '.html']);

/** The type implied by the file name's extension, or undefined when it must be sniffed. */
export function typeByExtension(name: string): DocType | undefined {
  const base = name.slice(name.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const ext = base.slice(dot).toLowerCase();
  if (CODE_EXTENSIONS.has(ext)) return 'CODE';
  if (TEXT_EXTENSIONS.has(ext)) return 'TEXT';
  return undefined;
}

const KEYWORD_LINE =
  /^\s*(function|def|class|import|from|return|const|let|var|if|elif|else|for|while|switch|case|package|public|private|protected|static|fn|func|struct|enum|impl|use|module|export|#include|#!|select|insert|create|end|try|catch|except|set -|echo|local)\b/i;
const CODE_LINE_END = /[;{}()[\],:\\]\s*$/;
const PROSE_LINE_END = /[.!?]["')]?\s*$/;
const SYMBOLS = /[{}()[\];=<>|&$]/g;

export interface SniffFigures {
  /** Share of non-blank characters that are code punctuation. */
  symbolDensity: number;
  /** Share of lines that open with a keyword or end like a statement or block. */
  codeLines: number;
  /** Share of lines that end like a sentence and hold six or more words. */
  proseLines: number;
  /** Share of lines that start indented. */
  indented: number;
}

/** The figures the sniffing decision is made from (exported so tests can show why). */
export function sniffFigures(content: string): SniffFigures {
  const lines = content.split(/\r\n|\r|\n/, 2000).filter((l) => l.trim() !== '');
  if (lines.length === 0) return { symbolDensity: 0, codeLines: 0, proseLines: 0, indented: 0 };
  let chars = 0;
  let symbols = 0;
  let codeLines = 0;
  let proseLines = 0;
  let indented = 0;
  for (const line of lines) {
    const squeezed = line.replace(/\s+/g, '');
    chars += squeezed.length;
    symbols += squeezed.match(SYMBOLS)?.length ?? 0;
    if (KEYWORD_LINE.test(line) || CODE_LINE_END.test(line)) codeLines++;
    if (PROSE_LINE_END.test(line) && line.trim().split(/\s+/).length >= 6) proseLines++;
    if (/^(\t| {2,})\S/.test(line)) indented++;
  }
  const n = lines.length;
  return { symbolDensity: chars ? symbols / chars : 0, codeLines: codeLines / n, proseLines: proseLines / n, indented: indented / n };
}

/**
 * A small, explainable heuristic: code is dense in punctuation, its lines open with keywords or end
 * in `; { } ) ,` and are often indented; prose lines end in sentences. Weights were set on the
 * snippets in classify.test.ts (Python, Go, shell, SQL, JSON, YAML vs prose, markdown, licences).
 */
export function sniffType(content: string): DocType {
  const f = sniffFigures(content);
  const score = f.symbolDensity * 8 + f.codeLines + f.indented * 0.5 - f.proseLines * 1.5;
  return score >= 0.55 ? 'CODE' : 'TEXT';
}

/** Extension first, content when the extension says nothing. */
export function classifyDocument(name: string, content: string): DocType {
  return typeByExtension(name) ?? sniffType(content);
}
