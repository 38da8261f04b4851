/**
 * Reads the repository's Containerfile the way a builder does, for the tests that stage and run the
 * image without building it: global ARGs, stages, and each instruction with its arguments.
 * Only the forms the Containerfile uses are understood; anything else is an error, not a guess.
 */
import { readFileSync } from 'node:fs';

export interface Instruction {
  op: string;
  args: string;
  line: number;
}

export interface Stage {
  name: string | null;
  base: string;
  instructions: Instruction[];
}

export interface Copy {
  from: string | null;
  sources: string[];
  dest: string;
}

export interface Containerfile {
  stages: Stage[];
}

/** Joins continuation lines and drops comments, keeping the line number each instruction starts on. */
function logicalLines(text: string): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  let pending: { text: string; line: number } | null = null;
  text.split('\n').forEach((raw, i) => {
    const trimmed = raw.trim();
    if (pending === null && (trimmed === '' || trimmed.startsWith('#'))) return;
    if (pending !== null && trimmed.startsWith('#')) return;
    const continues = trimmed.endsWith('\\');
    const part = continues ? trimmed.slice(0, -1).trim() : trimmed;
    pending = pending === null ? { text: part, line: i + 1 } : { text: `${pending.text} ${part}`, line: pending.line };
    if (!continues) {
      out.push(pending);
      pending = null;
    }
  });
  return out;
}

function substitute(value: string, args: Map<string, string>): string {
  return value.replace(/\$\{(\w+)\}|\$(\w+)/g, (_m, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare ?? '';
    const v = args.get(name);
    if (v === undefined) throw new Error(`Containerfile: ARG ${name} has no default`);
    return v;
  });
}

export function parseContainerfile(text: string): Containerfile {
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const { text: line, line: number } of logicalLines(text)) {
    const m = /^(\w+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`Containerfile:${number}: cannot read '${line}'`);
    const op = (m[1] as string).toUpperCase();
    const rest = m[2] as string;
    if (op === 'ARG' && stages.length === 0) {
      const [name, ...value] = rest.split('=');
      args.set((name as string).trim(), value.join('=').trim());
    } else if (op === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      if (!from) throw new Error(`Containerfile:${number}: cannot read FROM '${rest}'`);
      stages.push({ base: substitute(from[1] as string, args), name: from[2] ?? null, instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (!stage) throw new Error(`Containerfile:${number}: ${op} before the first FROM`);
      stage.instructions.push({ op, args: rest, line: number });
    }
  }
  return { stages };
}

export function readContainerfile(path: string): Containerfile {
  return parseContainerfile(readFileSync(path, 'utf8'));
}

/** The exec (JSON array) form; the shell form would make /bin/sh PID 1, which does not forward signals. */
export function execForm(instruction: Instruction): string[] {
  const parsed: unknown = JSON.parse(instruction.args);
  if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string')) {
    throw new Error(`Containerfile:${instruction.line}: ${instruction.op} must be a JSON array of strings`);
  }
  return parsed;
}

export function parseCopy(instruction: Instruction): Copy {
  const words = instruction.args.split(/\s+/);
  let from: string | null = null;
  while (words[0]?.startsWith('--')) {
    const flag = words.shift() as string;
    if (flag.startsWith('--from=')) from = flag.slice('--from='.length);
    else throw new Error(`Containerfile:${instruction.line}: COPY flag ${flag} is not understood here`);
  }
  const dest = words.pop();
  if (dest === undefined || words.length === 0) throw new Error(`Containerfile:${instruction.line}: COPY needs a source and a destination`);
  return { from, sources: words, dest };
}

/** The last instruction with this op in the stage, or undefined. */
export function last(stage: Stage, op: string): Instruction | undefined {
  return stage.instructions.filter((i) => i.op === op).at(-1);
}

/** WORKDIR at the end of the stage (every WORKDIR here is absolute). */
export function workdir(stage: Stage): string {
  return last(stage, 'WORKDIR')?.args ?? '/';
}

/** `ENV A=1 B=2` lines of a stage, as an environment. */
export function environment(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of stage.instructions.filter((x) => x.op === 'ENV')) {
    for (const pair of i.args.split(/\s+/)) {
      const eq = pair.indexOf('=');
      if (eq < 1) throw new Error(`Containerfile:${i.line}: ENV must be NAME=VALUE`);
      env[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  return env;
}
