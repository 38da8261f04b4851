import { createHook } from 'node:async_hooks';
import type { Clock } from '../util/clock.js';

interface Timer {
  at: number;
  resolve: () => void;
}

/**
 * Event loop turns with nothing else running before the system counts as idle. One turn is enough
 * for data written on loopback to be seen (the kernel delivers it before write returns, the next
 * poll reports it); the rest is margin.
 */
const IDLE_TURNS = 5;

/**
 * Simulated time that moves only when nothing else happens: sleeps wait on a virtual timeline, and
 * the clock jumps to the next one due once every callback, I/O event and promise job set off so far
 * has run (counted through async_hooks) and the event loop has gone round IDLE_TURNS times without
 * any. So a whole simulated cluster and its clients, talking real HTTP over loopback, run as a
 * discrete-event simulation: the figures are exactly the model's (host work takes no simulated
 * time, a busy machine changes nothing but how long the run takes), a run replays exactly, and no
 * one waits for a think time. Only for processes where every timer that matters is on this clock,
 * and one such clock at a time: each counts the other's turns as something happening.
 */
export class VirtualClock implements Clock {
  private t = 0;
  /** Pending sleeps, earliest first; equal times in the order they were asked for. */
  private timers: Timer[] = [];
  private callbacks = 0;
  private readonly hook = createHook({ before: () => void this.callbacks++ });
  private ticking = false;

  constructor(private readonly epochMs = Date.UTC(2026, 0, 1)) {}

  now(): number {
    return this.t;
  }

  wallNow(): number {
    return this.epochMs + this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted === true) return resolve();
      const abort = (): void => {
        this.timers = this.timers.filter((x) => x !== timer);
        resolve();
      };
      const timer: Timer = {
        at: this.t + Math.max(0, ms),
        resolve: () => {
          signal?.removeEventListener('abort', abort);
          resolve();
        },
      };
      const i = this.timers.findIndex((x) => x.at > timer.at);
      this.timers.splice(i < 0 ? this.timers.length : i, 0, timer);
      signal?.addEventListener('abort', abort, { once: true });
      this.wake();
    });
  }

  /** Sleeps not yet due. */
  pending(): number {
    return this.timers.length;
  }

  private wake(): void {
    if (this.ticking) return;
    this.ticking = true;
    this.hook.enable();
    this.schedule(0);
  }

  private schedule(idleTurns: number): void {
    const seen = this.callbacks;
    setImmediate(() => this.tick(idleTurns, seen));
  }

  /** One event loop turn; `seen` is the callback count when it was scheduled. */
  private tick(idleTurns: number, seen: number): void {
    const next = this.timers[0];
    if (next === undefined) {
      // Nothing to wake: stop going round until someone sleeps again.
      this.ticking = false;
      this.hook.disable();
      return;
    }
    // This callback is one of those counted since `seen`; any other means something ran.
    const idle = this.callbacks - seen === 1 ? idleTurns + 1 : 0;
    if (idle < IDLE_TURNS) return this.schedule(idle);
    this.timers.shift();
    this.t = next.at;
    next.resolve();
    this.schedule(0);
  }
}
