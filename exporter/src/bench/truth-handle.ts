/** The harness's side of the ground-truth server: start it, run phases, stop it. */
import type { ChildProcess } from 'node:child_process';
import { forkServer } from './measured-process.js';
import type { FromTruthServer, StreamShape, ToTruthServer } from './protocol.js';

type Kind = FromTruthServer['type'];
type Of<K extends Kind> = Extract<FromTruthServer, { type: K }>;

export class TruthServer {
  private readonly waiting = new Map<Kind, ((message: FromTruthServer) => void)[]>();

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.on('message', (message: FromTruthServer) => {
      const waiting = this.waiting.get(message.type) ?? [];
      this.waiting.delete(message.type);
      for (const resolve of waiting) resolve(message);
    });
  }

  static async start(shape: StreamShape): Promise<TruthServer> {
    const { child, port } = await forkServer('truth-server.js', JSON.stringify(shape));
    return new TruthServer(child, port);
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  /** The next message of this kind (registered before the event can happen). */
  next<K extends Kind>(type: K): Promise<Of<K>> {
    return new Promise((resolve) => this.waiting.set(type, [...(this.waiting.get(type) ?? []), (m) => resolve(m as Of<K>)]));
  }

  /** Starts counting a new phase: `warmUp` streams not measured, then `measured` streams measured (protocol.ts). */
  async setPhase(warmUp: number, measured: number, hold: boolean): Promise<void> {
    if (!(warmUp >= 1 && measured >= 1)) throw new RangeError('a phase needs at least one warm-up and one measured stream');
    const set = this.next('phase-set');
    this.send({ type: 'phase', warmUp, measured, hold });
    await set;
  }

  /** Ends the phase early; resolves with the truths measured so far. */
  async endPhase(): Promise<number[]> {
    const measured = this.next('measured');
    this.send({ type: 'end-phase' });
    return (await measured).truths;
  }

  /** Answers again after a phase with `hold`. */
  release(): void {
    this.send({ type: 'release' });
  }

  stop(): void {
    this.child.removeAllListeners('exit');
    if (this.child.connected) this.send({ type: 'stop' });
  }

  private send(message: ToTruthServer): void {
    this.child.send(message);
  }
}
