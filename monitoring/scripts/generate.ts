/**
 * Writes the rule file, the PrometheusRule, the dashboards ConfigMap and the README's rule table from
 * monitoring/src (thresholds in config.ts) and dashboards/json.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedFiles, readmePath } from '../src/outputs.js';

// Compiled to dist/scripts/, so the package root is two levels up.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dashboardsDir = join(root, '..', 'dashboards', 'json');
const dashboards = readdirSync(dashboardsDir)
  .filter((name) => name.endsWith('.json'))
  .map((name) => ({ name, json: readFileSync(join(dashboardsDir, name), 'utf8') }));
const readme = readFileSync(join(root, readmePath), 'utf8');
for (const [path, content] of generatedFiles({ readme, dashboards })) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
  console.log(`wrote monitoring/${path}`);
}
