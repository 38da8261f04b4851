/**
 * Starts a Node program as a measured child: child-usage.ts preloaded so that its own CPU and peak
 * RSS arrive when it exits, /proc readable while it runs, its output kept (the last few KB, for error
 * messages) and never shown. Every wait is bounded; a child that outlives its deadline is killed.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuMsOf, rssMbOf, USAGE_FILE_ENV, type ProcessUsage } from './process-usage.js';

const PRELOAD = new URL('./child-usage.js', import.meta.url).href;
const KEEP_CHARS = 8192;

export interface Exit {
  code: number | null;
  /** Null when the process did not exit normally (killed): it could not report. */
  usage: ProcessUsage | null;
}

export interface MeasuredProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resolves once, when the process has exited. */
  readonly exited: Promise<Exit>;
  cpuMs(): number;
  rssMb(): number;
  stdout(): string;
  /** The tail of stdout and stderr, for an error message. */
  output(): string;
  /** Resolves with the exit; kills with SIGKILL if the process is still there after `graceMs`. */
  stop(signal: NodeJS.Signals, graceMs: number): Promise<Exit>;
}

let started = 0;
let profileDir: string | null = null;

/** From now on every measured child writes its CPU profiles (one per thread) into a folder of `dir`. */
export function profileChildrenInto(dir: string): void {
  profileDir = dir;
}

/** `--cpu-prof` flags for the next child: `dir/007-main-serve/`, say, for the seventh child, `kvcanary serve`. */
function profileFlags(script: string, args: readonly string[]): string[] {
  if (profileDir === null) return [];
  const command = args[0] !== undefined && /^[a-z]+$/.test(args[0]) ? `-${args[0]}` : '';
  const folder = join(profileDir, `${String(started).padStart(3, '0')}-${script === '-e' ? 'node' : basename(script, '.js')}${command}`);
  mkdirSync(folder, { recursive: true });
  return ['--cpu-prof', `--cpu-prof-dir=${folder}`];
}

/** `node [preload] script ...args`; `scratch` holds the usage file. */
export function startMeasured(script: string, args: readonly string[], scratch: string): MeasuredProcess {
  const flags = profileFlags(script, args);
  const usageFile = join(scratch, `usage-${process.pid}-${started++}.json`);
  rmSync(usageFile, { force: true });
  const child = spawn(process.execPath, [...flags, '--import', PRELOAD, script, ...args], {
    env: { ...process.env, [USAGE_FILE_ENV]: usageFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`cannot start ${script}`);
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (out = (out + c).slice(-KEEP_CHARS)));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (err = (err + c).slice(-KEEP_CHARS)));
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code) => {
      let usage: ProcessUsage | null = null;
      try {
        usage = JSON.parse(readFileSync(usageFile, 'utf8')) as ProcessUsage;
        rmSync(usageFile);
      } catch {
        usage = null;
      }
      resolve({ code, usage });
    });
  });
  const pid = child.pid;
  return {
    pid,
    child,
    exited,
    cpuMs: () => cpuMsOf(pid),
    rssMb: () => rssMbOf(pid),
    stdout: () => out,
    output: () => `${out.slice(-2000)}${err.slice(-2000)}`.trim(),
    async stop(signal, graceMs) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const exit = await exited;
      clearTimeout(timer);
      return exit;
    },
  };
}

/** The exit of a child that must finish by itself within `timeoutMs`, else it is killed and this throws. */
export async function finished(p: MeasuredProcess, what: string, timeoutMs: number): Promise<Exit> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
  const exit = await Promise.race([p.exited, deadline]);
  clearTimeout(timer);
  if (exit === 'late') {
    await p.stop('SIGKILL', 1000);
    throw new Error(`${what} did not finish within ${Math.round(timeoutMs / 1000)} s: ${p.output()}`);
  }
  if (exit.code !== 0) throw new Error(`${what} exited with ${exit.code}: ${p.output()}`);
  return exit;
}

/** A file of this folder as it is built (dist/bench/...), for starting it as a child. */
export const benchFile = (name: string): string => fileURLToPath(new URL(`./${name}`, import.meta.url));

/**
 * Forks one of this folder's servers (truth-server.js, page-server.js) with `arg` as its argument and
 * resolves when it reports `{ type: 'ready', port }` over IPC.
 */
export function forkServer(name: string, arg: string): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(benchFile(name), [arg], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    const early = (code: number | null): void => reject(new Error(`${name} exited at start (code ${code})`));
    child.once('error', reject);
    child.once('exit', early);
    const onMessage = (message: { type?: unknown; port?: unknown }): void => {
      if (message.type !== 'ready' || typeof message.port !== 'number') return;
      child.off('exit', early);
      child.off('message', onMessage);
      resolve({ child, port: message.port });
    };
    child.on('message', onMessage);
  });
}
