import { execFileSync } from 'node:child_process';

/**
 * Finds a real tool the tests drive (prometheus, promtool, chromium, kubectl).
 * Locally a missing tool skips the test with a message saying how to get it; in CI (CI=true) it is a failure.
 */
export function findTool(name: string, installHint: string): string | null {
  try {
    return execFileSync('which', [name], { encoding: 'utf8' }).trim() || null;
  } catch {
    if (process.env.CI === 'true') throw new Error(`${name} is required in CI but was not found on PATH (${installHint})`);
    process.stderr.write(`skipping: ${name} not found on PATH (${installHint})\n`);
    return null;
  }
}
