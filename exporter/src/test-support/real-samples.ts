import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The published pages and streams kept verbatim under exporter/testdata/real/ (provenance and the
 * facts each one shows: SOURCES.md there). Read as they are; a test never edits one.
 */
const REAL = new URL('../../testdata/real/', import.meta.url);

export function realPage(file: string): string {
  return readFileSync(fileURLToPath(new URL(`pages/${file}`, REAL)), 'utf8');
}

export function realStream(file: string): string {
  return readFileSync(fileURLToPath(new URL(`streams/${file}`, REAL)), 'utf8');
}

/**
 * A synthetic later scrape of a real page: the page as published with the values of the named series
 * (every label set of each name) raised by the given amounts, everything else untouched. Real counters
 * advance between scrapes and a published page is one snapshot, so a test that needs a second scrape
 * builds it this way, and says so.
 */
export function advanced(page: string, by: Readonly<Record<string, number>>): string {
  return page
    .split('\n')
    .map((line) => {
      const m = /^(\s*)([A-Za-z_:][A-Za-z0-9_:]*)(\{[^}]*\})?([ \t]+)(\S+)(.*)$/.exec(line);
      const delta = m?.[2] === undefined ? undefined : by[m[2]];
      if (!m || delta === undefined) return line;
      return `${m[1] ?? ''}${m[2] ?? ''}${m[3] ?? ''}${m[4] ?? ''}${String(Number(m[5]) + delta)}${m[6] ?? ''}`;
    })
    .join('\n');
}
