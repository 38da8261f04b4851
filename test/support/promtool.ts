import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { findTool } from './tools.js';

/** promtool's path, or null (the test skips) when it is missing outside CI. */
export const promtool = findTool('promtool', 'apt-get install prometheus');

export interface PromtoolRun {
  ok: boolean;
  output: string;
}

/** Runs promtool and returns what it printed, so a failed assertion shows promtool's own words. */
export function runPromtool(args: string[], cwd: string): PromtoolRun {
  try {
    return { ok: true, output: execFileSync(promtool ?? 'promtool', args, { cwd, encoding: 'utf8', stdio: 'pipe' }) };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** Writes `files` (name -> YAML document or text) into a fresh folder, runs promtool there, removes it. */
export function promtoolOn(files: Record<string, unknown>, args: string[]): PromtoolRun {
  const dir = mkdtempSync(join(tmpdir(), 'kvcanary-promtool-'));
  try {
    for (const [name, content] of Object.entries(files)) {
      writeFileSync(join(dir, name), typeof content === 'string' ? content : stringify(content, { lineWidth: 0 }));
    }
    return runPromtool(args, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
