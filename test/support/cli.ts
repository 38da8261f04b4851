import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built CLI (`npm run build -w exporter` first; the root `npm test` builds before testing). */
export const CLI = fileURLToPath(new URL('../../exporter/dist/cli/main.js', import.meta.url));

/**
 * The embedded default (vllm round-robin baseline, llm-d prefix-aware candidate) with simulated time
 * twice as fast, short conversations and a one-minute window: a clear signal in about a minute.
 */
export const FAST_EMBEDDED_CONFIG = `
simulation: { replicas: 4, speed: 2, seed: 7 }
pacing:
  concurrency: 4
  turns: 6
  maxTokens: 120
  thinkTime: { min: 100ms, max: 300ms }
  timeout: 30s
  seed: 11
window: { duration: 1m }
replicaScrape: { interval: 2s, timeout: 1s }
shutdownGrace: 5s
`;

export interface RunningCli {
  child: ChildProcess;
  /** The exporter's base URL, read from its "listening on" line. */
  url: string;
  stdout(): string;
  stderr(): string;
  /** Sends the signal and resolves with the exit code (kills after `timeoutMs`). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

/**
 * Starts `kvcanary serve ...` and waits for the address it prints (pass
 * `--web.listen-address=127.0.0.1:0` so parallel tests never collide). Output is kept, bounded.
 */
export async function startServe(args: readonly string[], options: { env?: NodeJS.ProcessEnv; startTimeoutMs?: number } = {}): Promise<RunningCli> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build -w exporter first`);
  const child = spawn(process.execPath, [CLI, 'serve', ...args], { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const keep = (s: string, chunk: Buffer): string => (s + chunk.toString('utf8')).slice(-200_000);
  child.stdout?.on('data', (c: Buffer) => (out = keep(out, c)));
  child.stderr?.on('data', (c: Buffer) => (err = keep(err, c)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`no "listening on" line within ${options.startTimeoutMs ?? 30_000} ms\nstdout: ${out}\nstderr: ${err}`)), options.startTimeoutMs ?? 30_000);
    const poll = setInterval(() => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        clearInterval(poll);
        resolve(m[1] as string);
      }
    }, 50);
    function fail(e: Error): void {
      clearInterval(poll);
      child.kill('SIGKILL');
      reject(e);
    }
    void exited.then((code) => fail(new Error(`kvcanary exited with ${code} before listening\nstdout: ${out}\nstderr: ${err}`)));
  });

  return {
    child,
    url,
    stdout: () => out,
    stderr: () => err,
    async stop(signal = 'SIGTERM', timeoutMs = 30_000) {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Runs the CLI to completion (for exit codes and messages of bad input). */
export function runCli(args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
