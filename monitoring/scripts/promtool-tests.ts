/**
 * `npm test -w monitoring`: promtool checks the rule file and runs every rule unit test. Without promtool
 * on PATH a laptop skips with a message saying how to get it, and CI (CI=true) fails, as the jest suites
 * do through test/support/tools.ts.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ruleFilePath, scenarioDir } from '../src/outputs.js';

// Compiled to dist/scripts/, so the package root is two levels up.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const installHint = 'apt-get install prometheus';

function promtool(args: string[]): { missing: boolean; status: number } {
  const run = spawnSync('promtool', args, { cwd: root, stdio: 'inherit' });
  const missing = (run.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
  return { missing, status: run.status ?? 1 };
}

function main(): number {
  const unitTests = readdirSync(join(root, scenarioDir))
    .filter((name) => name.endsWith('.test.yml'))
    .sort()
    .map((name) => join(scenarioDir, name));
  for (const args of [['check', 'rules', ruleFilePath], ['test', 'rules', ...unitTests]]) {
    const { missing, status } = promtool(args);
    if (missing && process.env.CI === 'true') {
      console.error(`promtool is required in CI but was not found on PATH (${installHint})`);
      return 1;
    }
    if (missing) {
      console.error(`skipping monitoring's promtool tests: promtool not found on PATH (${installHint})`);
      return 0;
    }
    if (status !== 0) return status;
  }
  return 0;
}

process.exitCode = main();
