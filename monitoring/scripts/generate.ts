/** Writes the rule file, the PrometheusRule and the README's rule table from monitoring/src/config.ts. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedFiles, readmePath } from '../src/outputs.js';

// Compiled to dist/scripts/, so the package root is two levels up.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const readme = readFileSync(join(root, readmePath), 'utf8');
for (const [path, content] of generatedFiles(readme)) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
  console.log(`wrote monitoring/${path}`);
}
