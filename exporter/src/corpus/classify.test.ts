import { describe, expect, it } from '@jest/globals';
import { classifyDocument, sniffType, typeByExtension } from './classify.js';

describe('typeByExtension', () => {
  it.each([
    ['a.py', 'CODE'], ['pkg/x.go', 'CODE'], ['lib.rs', 'CODE'], ['App.tsx', 'CODE'], ['x.ts', 'CODE'], ['x.js', 'CODE'],
    ['q.sql', 'CODE'], ['A.java', 'CODE'], ['m.c', 'CODE'], ['m.cpp', 'CODE'], ['r.rb', 'CODE'], ['UP.PY', 'CODE'],
    ['README.md', 'TEXT'], ['notes.txt', 'TEXT'], ['index.rst', 'TEXT'], ['page.html', 'TEXT'],
  ])('%s is %s', (name, type) => expect(typeByExtension(name)).toBe(type));

  it.each(['Makefile', 'run.sh', 'data.json', '.bashrc', 'dir.d/file'])('%s needs sniffing', (name) =>
    expect(typeByExtension(name)).toBeUndefined(),
  );
});

// Real-world shaped snippets, written for this test.
const SHELL = `#!/usr/bin/env bash
set -euo pipefail
for f in "$@"; do
  if [[ -f "$f" ]]; then
    echo "checking $f"
    grep -q TODO "$f" && exit 1
  fi
done
`;

const MAKEFILE = `build: deps
\tgo build -o bin/app ./cmd/app

test:
\tgo test ./... -race

deps:
\tgo mod download
`;

const PYTHON_NO_EXT = `import sys
from pathlib import Path


def count_lines(path):
    with open(path) as fh:
        return sum(1 for _ in fh)


class Report:
    def __init__(self, root):
        self.root = Path(root)

    def run(self):
        for p in sorted(self.root.rglob("*.py")):
            print(p, count_lines(p))
        return 0


if __name__ == "__main__":
    sys.exit(Report(sys.argv[1]).run())
`;

const JSON_DOC = `{
  "name": "demo",
  "version": "1.0.0",
  "scripts": { "test": "jest", "build": "tsc -p ." },
  "dependencies": { "undici": "^7.0.0" }
}
`;

const PROSE = `Prefix caching keeps the attention state of recent prompts in GPU memory.
When a new request starts with the same tokens as an earlier one, the server can skip most of the
work of reading the prompt, and the first token arrives much sooner.

This only helps when the request reaches the replica that holds the cache. A load balancer that
spreads requests evenly does not know where the cache is, so later turns of a conversation often
land on a replica that has never seen them.
`;

const LICENSE_LIKE = `Permission is hereby granted to any person obtaining a copy of these notes to use them for any
purpose, provided that this notice is kept with every copy.

The notes are provided as they are, without warranty of any kind. In no event shall the authors be
liable for any claim or damages arising from their use.
`;

const CHANGELOG = `Release 2.3.0

- The exporter now reads the replica header on every response.
- Percentiles are computed exactly over the window, with no interpolation.
- Fixed a crash when a target returned an empty body with status 200.

Release 2.2.1

- Documentation fixes only.
`;

describe('sniffType on files without a known extension', () => {
  it.each([
    ['a shell script', SHELL],
    ['a Makefile', MAKEFILE],
    ['Python without extension', PYTHON_NO_EXT],
    ['JSON', JSON_DOC],
  ])('%s is CODE', (_label, text) => expect(sniffType(text)).toBe('CODE'));

  it.each([
    ['prose paragraphs', PROSE],
    ['a licence-like notice', LICENSE_LIKE],
    ['a changelog', CHANGELOG],
  ])('%s is TEXT', (_label, text) => expect(sniffType(text)).toBe('TEXT'));

  it('lets a known extension win over content', () => {
    expect(classifyDocument('notes.md', PYTHON_NO_EXT)).toBe('TEXT');
    expect(classifyDocument('script', PYTHON_NO_EXT)).toBe('CODE');
  });
});
