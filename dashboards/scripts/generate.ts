/** Writes the dashboards' JSON (what Grafana provisions) from dashboards/src. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedDashboards } from '../src/outputs.js';

// Compiled to dist/scripts/, so the package root is two levels up.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
for (const [path, content] of generatedDashboards()) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
  console.log(`wrote dashboards/${path}`);
}
