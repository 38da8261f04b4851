/**
 * Writes the rule file, the PrometheusRule, the dashboards ConfigMap, the README's rule table and the
 * promtool scenario files from monitoring/src (thresholds in config.ts, scenarios in scenarios/) and
 * dashboards/json.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedFiles, readmePath, scenarioDir } from '../src/outputs.js';

// Compiled to dist/scripts/, so the package root is two levels up.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dashboardsDir = join(root, '..', 'dashboards', 'json');
const dashboards = readdirSync(dashboardsDir)
  .filter((name) => name.endsWith('.json'))
  .map((name) => ({ name, json: readFileSync(join(dashboardsDir, name), 'utf8') }));
const readme = readFileSync(join(root, readmePath), 'utf8');
const files = generatedFiles({ readme, dashboards });
for (const [path, content] of files) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
  console.log(`wrote monitoring/${path}`);
}
// A scenario removed from src/scenarios/ takes its test file with it, so promtool never runs a stale one.
for (const name of readdirSync(join(root, scenarioDir)).filter((n) => n.endsWith('.test.yml'))) {
  const path = posix.join(scenarioDir, name);
  if (files.has(path)) continue;
  rmSync(join(root, path));
  console.log(`removed monitoring/${path}`);
}
