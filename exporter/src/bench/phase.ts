/**
 * One client's measured phase against the ground-truth server: the client's CPU is read from /proc
 * when the server has completed its warm-up streams and again when it has completed the measured
 * ones, so that CPU per request leaves out process start, corpus loading and warm-up (reported apart)
 * and whatever the client does after its last request (the printed summary, a JSON file).
 */
import type { MeasuredProcess } from './measured-process.js';
import type { TruthServer } from './truth-handle.js';

export interface PhasePlan {
  warmUp: number;
  measured: number;
  timeoutMs: number;
  /** Keep the server from answering once the measured streams are done (protocol.ts), until released. */
  hold?: boolean;
  /** Called with the client as soon as it is started, e.g. to load it while it is measured. */
  onStart?(p: MeasuredProcess): void;
}

export interface PhaseResult {
  process: MeasuredProcess;
  /** The server's TTFTs of the measured streams it completed. */
  truths: number[];
  /** Client CPU when the warm-up was over (process start included). */
  warmedUpCpuMs: number;
  /** Client CPU over the measured streams. */
  measuredCpuMs: number;
  measuredSeconds: number;
  /** Epoch ms when the measured streams were done. */
  endedAt: number;
  /**
   * False when the client stopped before the server completed every measured stream (failed
   * streams never complete); its CPU then runs to its exit.
   */
  complete: boolean;
}

const later = (ms: number): { promise: Promise<'late'>; cancel(): void } => {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
  return { promise, cancel: () => clearTimeout(timer) };
};

/** CPU of a process now, or at its exit when it is already gone. */
async function cpuNowOrAtExit(p: MeasuredProcess): Promise<number> {
  try {
    return p.cpuMs();
  } catch {
    const exit = await p.exited;
    if (!exit.usage) throw new Error('the client exited without reporting its CPU');
    return exit.usage.cpuMs;
  }
}

export async function measurePhase(truth: TruthServer, plan: PhasePlan, start: () => MeasuredProcess, what: string): Promise<PhaseResult> {
  await truth.setPhase(plan.warmUp, plan.measured, plan.hold ?? false);
  const warmedUp = truth.next('warmed-up');
  const measured = truth.next('measured');
  const p = start();
  plan.onStart?.(p);
  const deadline = later(plan.timeoutMs);
  const exited = p.exited.then(() => 'exited' as const);
  try {
    const first = await Promise.race([warmedUp, exited, deadline.promise]);
    if (first === 'late' || first === 'exited') {
      await truth.endPhase();
      await p.stop('SIGKILL', 1000);
      throw new Error(`${what}: ${first === 'late' ? 'no warm-up within the deadline' : 'exited during its warm-up'}: ${p.output()}`);
    }
    const warmedUpCpuMs = p.cpuMs();
    const t0 = performance.now();
    const second = await Promise.race([measured, exited, deadline.promise]);
    if (second === 'late') {
      await truth.endPhase();
      await p.stop('SIGKILL', 1000);
      throw new Error(`${what}: the measured streams did not complete within ${Math.round(plan.timeoutMs / 1000)} s`);
    }
    const complete = second !== 'exited';
    const cpuMs = await cpuNowOrAtExit(p);
    const measuredSeconds = (performance.now() - t0) / 1000;
    const endedAt = Date.now();
    const truths = complete ? second.truths : await truth.endPhase();
    return { process: p, truths, warmedUpCpuMs, measuredCpuMs: cpuMs - warmedUpCpuMs, measuredSeconds, endedAt, complete };
  } finally {
    deadline.cancel();
  }
}
