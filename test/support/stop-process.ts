import type { ChildProcess } from 'node:child_process';

/** Stops a tool the tests started: SIGTERM, SIGKILL if it outlives 10 s, resolved once it has exited. */
export async function stopProcess(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
