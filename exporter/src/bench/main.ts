/**
 * `npm run bench`: is the probe client's own overhead small enough to trust its TTFT figures?
 * (the probe client is on the measurement path: README.md, "How it measures").
 *
 * A ground-truth SSE server runs in a child process; in this process a bare node:http floor client
 * and our chat client take turns streaming from it at 4, 16, 64 and 256 concurrent streams, then
 * 1,000. For every run: TTFT error (measured minus the server's true TTFT) at p50 and p99, and CPU
 * per request. Results go to stdout as a table and to `.bench/bench-results.json` in the exporter
 * package (git-ignored: the figures belong to the machine and the moment, not to the source; CI
 * keeps the file as an artifact). Exit 1 when a bar of verdict.ts is missed, 2 on a usage error.
 *
 *   node dist/bench/main.js [--quick] [--out FILE]
 *   node dist/bench/main.js --soak [...]   the soak instead (soak.ts)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createChatClient } from '../client/chat-client.js';
import type { ChatRequest } from '../client/types.js';
import { collectGarbage } from './collect-garbage.js';
import { createFloorClient } from './floor-client.js';
import { FIRST_TOKEN_MS, TOKENS, TOKEN_INTERVAL_MS, type ParentMessage, type ServerMessage } from './protocol.js';
import { figures, mergeRuns, runLoad, type RunSample, type StreamFn } from './measure.js';
import { judge, roundSpread, table, type LevelResult, CPU_RATIO, ERROR_RATIO, ERROR_SLACK_MS } from './verdict.js';

interface Level {
  concurrency: number;
  /** Requests per client over all rounds of the level. */
  requests: number;
  /** Rounds per client: floor and ours alternate (ABBA), the CPU verdict is the median of per-round ratios. */
  rounds: number;
  judgeCpu: boolean;
}

/**
 * Requests per level: enough samples for a p99 with several values above it, within ~3 minutes in
 * all on 2 cores. Low concurrency gets many short rounds: there one request costs ~1 ms of CPU over
 * ~18 wake-ups and a single reading drifts by up to 2x between runs (verdict.ts), so the verdict
 * needs a median over many paired rounds; a round of 48 requests at 4 streams lasts ~2 s.
 */
const FULL: Level[] = [
  { concurrency: 4, requests: 576, rounds: 12, judgeCpu: true },
  { concurrency: 16, requests: 1344, rounds: 12, judgeCpu: true },
  { concurrency: 64, requests: 1600, rounds: 4, judgeCpu: true },
  { concurrency: 256, requests: 3072, rounds: 4, judgeCpu: true },
  { concurrency: 1000, requests: 4000, rounds: 4, judgeCpu: false },
];
const QUICK: Level[] = FULL.map((l) => ({
  ...l,
  rounds: Math.min(l.rounds, 4),
  requests: Math.max(l.concurrency * 2, Math.round(l.requests / 4)),
}));

const MESSAGES: ChatRequest['messages'] = [{ role: 'user', content: 'Say something short.' }];
const BODY = JSON.stringify({ model: 'bench', messages: MESSAGES, max_tokens: TOKENS, stream: true, stream_options: { include_usage: true } });

function parseArgs(argv: readonly string[]): { quick: boolean; out: string } {
  const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  let quick = false;
  let out = resolve(packageRoot, '.bench', 'bench-results.json');
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') quick = true;
    else if (arg === '--out' && argv[i + 1]) out = resolve(argv[++i] as string);
    else {
      console.error(`kvcanary bench: unknown argument '${arg}' (expected --quick or --out FILE)`);
      process.exit(2);
    }
  }
  return { quick, out };
}

class TruthServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {}

  static start(): Promise<TruthServer> {
    const child = fork(fileURLToPath(new URL('./ground-truth-server.js', import.meta.url)), [], { execArgv: [], stdio: 'inherit' });
    return new Promise((resolvePort, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`ground-truth server exited early (code ${code})`)));
      child.once('message', (msg: ServerMessage) => {
        if (msg.type === 'ready') resolvePort(new TruthServer(child, msg.port));
      });
    });
  }

  /** The true TTFTs recorded since the last call. */
  collect(): Promise<Map<string, number>> {
    return new Promise((done) => {
      this.child.once('message', (msg: ServerMessage) => {
        if (msg.type === 'truth') done(new Map(msg.entries));
      });
      this.child.send({ type: 'collect' } satisfies ParentMessage);
    });
  }

  stop(): void {
    this.child.removeAllListeners('exit');
    this.child.send({ type: 'stop' } satisfies ParentMessage);
  }
}

type ClientName = 'floor' | 'ours';

/** One run of one client, with a fresh client (fresh connections) each time; truths are ids of this server. */
async function runClient(name: ClientName, port: number, level: Level, server: TruthServer, truth: Map<string, number>): Promise<RunSample> {
  let stream: StreamFn;
  let close: () => Promise<void>;
  if (name === 'floor') {
    const floor = createFloorClient(port, BODY);
    stream = floor.stream;
    close = async () => floor.close();
  } else {
    const client = createChatClient({ baseUrl: `http://127.0.0.1:${port}/v1`, keepAlive: true, replicaHeader: 'x-bench-id' });
    const req: ChatRequest = { model: 'bench', messages: MESSAGES, maxTokens: TOKENS, timeoutMs: 60_000, includeUsage: true };
    stream = async () => {
      const r = await client.chat(req);
      return r.outcome === 'success' && r.replica !== undefined && r.ttftMs !== undefined ? { id: r.replica, ttftMs: r.ttftMs } : undefined;
    };
    close = () => client.close();
  }
  await server.collect(); // drop truths of anything earlier
  // A full collection before every measured run, outside its CPU window: otherwise a major GC of the
  // whole process's heap (truth maps, earlier runs' garbage) lands in whichever run happens to cross
  // the threshold, and at 4 streams one such collection is a sizeable share of a round's CPU. Each
  // client's own garbage is still collected, and counted, inside its run (scavenges).
  collectGarbage();
  const run = await runLoad(stream, level.concurrency, level.requests);
  await close();
  for (const [id, t] of await server.collect()) truth.set(id, t);
  return run;
}

async function main(): Promise<void> {
  // The soak is a bench of its own (soak.ts) that shares this entry point.
  if (process.argv[2] === '--soak') {
    process.exitCode = await (await import('./soak.js')).runSoak(process.argv.slice(3));
    return;
  }
  const { quick, out } = parseArgs(process.argv.slice(2));
  const levels = quick ? QUICK : FULL;
  const server = await TruthServer.start();
  const started = performance.now();
  try {
    console.log(
      `kvcanary bench: ground truth on 127.0.0.1:${server.port} (first token after ${FIRST_TOKEN_MS} ms, ${TOKENS} tokens every ${TOKEN_INTERVAL_MS} ms), ${availableParallelism()} cores`,
    );
    // Warm-up: JIT both clients before anything is measured.
    const scratch = new Map<string, number>();
    for (const name of ['floor', 'ours'] as const) await runClient(name, server.port, { concurrency: 16, requests: 400, rounds: 1, judgeCpu: false }, server, scratch);
    const results: LevelResult[] = [];
    for (const level of levels) {
      const truth = new Map<string, number>();
      const runs: Record<ClientName, RunSample[]> = { floor: [], ours: [] };
      const round: Level = { ...level, requests: Math.ceil(level.requests / level.rounds) };
      for (let i = 0; i < level.rounds; i++) {
        const order: ClientName[] = i % 2 === 0 ? ['floor', 'ours'] : ['ours', 'floor'];
        for (const name of order) runs[name].push(await runClient(name, server.port, round, server, truth));
      }
      const floor = figures(mergeRuns(runs.floor), truth);
      const ours = figures(mergeRuns(runs.ours), truth);
      const perRequest = (r: RunSample): number => r.cpuMicros / Math.max(1, r.measured.size + r.failures);
      const spread = roundSpread(runs.floor.map(perRequest), runs.ours.map(perRequest));
      const result = judge(level.concurrency, round.requests * level.rounds, floor, ours, level.judgeCpu, spread);
      results.push(result);
      console.log(`  ${level.concurrency} streams: done (${result.failures.length ? 'FAIL' : 'ok'})`);
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(`\nTTFT error = measured - server's true TTFT; bars: error <= ${ERROR_RATIO}x floor + ${ERROR_SLACK_MS} ms (pooled rounds), CPU <= ${CPU_RATIO}x floor (median of per-round ratios; min-max shown)\n`);
    console.log(table(results));
    const failed = results.filter((r) => r.failures.length > 0);
    const report = {
      generatedAt: new Date().toISOString(),
      node: process.version,
      cores: availableParallelism(),
      quick,
      seconds,
      server: { firstTokenMs: FIRST_TOKEN_MS, tokenIntervalMs: TOKEN_INTERVAL_MS, tokens: TOKENS },
      bars: { errorRatio: ERROR_RATIO, errorSlackMs: ERROR_SLACK_MS, cpuRatio: CPU_RATIO },
      passed: failed.length === 0,
      levels: results,
    };
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, JSON.stringify(report, null, 2) + '\n');
    console.log(`\n${failed.length === 0 ? 'PASS' : 'FAIL'} in ${seconds.toFixed(0)} s; results in ${out}`);
    process.exitCode = failed.length === 0 ? 0 : 1;
  } finally {
    server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(`kvcanary bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
