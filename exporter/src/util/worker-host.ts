/**
 * Runs calls in a worker thread, so that heavy work (parsing big replica pages, bootstrapping a full
 * window) never holds up the event loop that timestamps first tokens. The host is built to outlive its
 * worker: a worker that throws, runs out of its heap bound or stops answering is terminated, its calls
 * fail with a reason, and the next call starts a fresh worker. Nothing here throws into the caller
 * except those failed calls.
 */
import { parentPort, Worker } from 'node:worker_threads';

export interface WorkerHostOptions {
  /** The worker's module (a file URL), or its source when `eval` is set (tests). */
  script: URL | string;
  eval?: boolean;
  /** Heap bound of the worker: past it the worker dies and is replaced, the process does not. */
  maxHeapMb: number;
  /** Calls in flight at most; one more is refused at once rather than queued without bound. */
  maxPending: number;
  /** Told why a worker was replaced (for a log line). */
  onRestart?: (reason: string) => void;
}

type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/** One worker and the calls sent to it: a replaced worker fails only its own calls. */
interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
}

export class WorkerHost<Req, Res> {
  private slot: Slot | null = null;
  private nextId = 1;
  private closed = false;
  /** Workers replaced after a crash or a hang since the host started. */
  restarts = 0;

  constructor(private readonly options: WorkerHostOptions) {}

  /** Sends `request`; rejects when the worker fails, or has not answered within `deadlineMs`. */
  call(request: Req, deadlineMs: number): Promise<Res> {
    if (this.closed) return Promise.reject(new Error('worker host closed'));
    const slot = this.current();
    if (slot.pending.size >= this.options.maxPending) return Promise.reject(new Error(`worker busy: ${slot.pending.size} calls in flight`));
    const id = this.nextId++;
    return new Promise<Res>((resolve, reject) => {
      const timer = setTimeout(() => this.replace(slot, `no answer within ${deadlineMs} ms`), deadlineMs);
      slot.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      slot.worker.postMessage({ id, request });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const slot = this.slot;
    this.slot = null;
    if (!slot) return;
    fail(slot, 'worker host closed');
    await slot.worker.terminate();
  }

  private current(): Slot {
    if (this.slot) return this.slot;
    const worker = new Worker(this.options.script, {
      eval: this.options.eval ?? false,
      resourceLimits: { maxOldGenerationSizeMb: this.options.maxHeapMb },
      stdout: false,
      stderr: false,
    });
    // The worker serves the process; it must never be what keeps the process alive.
    worker.unref();
    const slot: Slot = { worker, pending: new Map() };
    worker.on('message', (reply: Reply) => {
      const call = slot.pending.get(reply.id);
      if (!call) return;
      slot.pending.delete(reply.id);
      clearTimeout(call.timer);
      if (reply.ok) call.resolve(reply.value);
      else call.reject(new Error(reply.error));
    });
    worker.on('error', (err) => this.replace(slot, `worker failed: ${err.message}`));
    worker.on('exit', (code) => this.replace(slot, `worker exited with code ${code}`));
    this.slot = slot;
    return slot;
  }

  /** Fails the slot's calls and drops its worker; the next call starts another. Idempotent per slot. */
  private replace(slot: Slot, reason: string): void {
    if (this.slot !== slot) {
      fail(slot, reason);
      return;
    }
    this.slot = null;
    fail(slot, reason);
    if (this.closed) return;
    this.restarts++;
    this.options.onRestart?.(reason);
    void slot.worker.terminate().catch(() => undefined);
  }
}

function fail(slot: Slot, reason: string): void {
  for (const call of slot.pending.values()) {
    clearTimeout(call.timer);
    call.reject(new Error(reason));
  }
  slot.pending.clear();
}

/** The worker's side: answers each call with `handler`'s value, or its error's message. */
export function answerCalls<Req, Res>(handler: (request: Req) => Promise<Res>): void {
  const port = parentPort;
  if (!port) throw new Error('answerCalls() runs only inside a worker thread');
  port.on('message', (message: { id: number; request: Req }) => {
    handler(message.request).then(
      (value) => port.postMessage({ id: message.id, ok: true, value } satisfies Reply),
      (err: unknown) => port.postMessage({ id: message.id, ok: false, error: err instanceof Error ? err.message : String(err) } satisfies Reply),
    );
  });
}
