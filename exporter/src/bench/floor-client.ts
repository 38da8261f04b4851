/**
 * The workload floor, a child process of the harness: the least a bare `node:http` client can do to
 * run the conversations `kvcanary bench` runs. The same documents and scripts (the CLI's corpus loader
 * and script builder), the whole history resent every turn with the previous answer appended,
 * `JSON.stringify` of the whole body per request, the reference tool's FIFO of conversations taken by
 * `parallel` workers, and the first content found by a byte search as each chunk arrives
 * (floor-scan.ts). Whatever error this client shows is the machine's, not a client's.
 *
 * Argument: {@link FloorSettings} as JSON. Writes a {@link FloorOutput} to `settings.out`.
 */
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import type { ChatMessage } from '../client/types.js';
import { loadCorpus } from '../corpus/load-corpus.js';
import { nextMessages, runScripts, type ConversationScript } from '../probe/script.js';
import { answerText, FirstContentWatch } from './floor-scan.js';
import type { FloorOutput, FloorSettings } from './protocol.js';

const settings = JSON.parse(process.argv[2] ?? '') as FloorSettings;
const agent = new Agent({ keepAlive: settings.keepAlive, maxSockets: Infinity });

interface Streamed {
  ttftMs?: number;
  answer: string;
  ok: boolean;
}

function post(path: string, body: string): Promise<Streamed> {
  return new Promise((resolve) => {
    const headers = { 'content-type': 'application/json', accept: 'text/event-stream', 'content-length': Buffer.byteLength(body) };
    const t0 = performance.now();
    const req = request({ host: '127.0.0.1', port: settings.port, path, method: 'POST', headers, agent }, (res) => {
      const watch = new FirstContentWatch();
      const chunks: Buffer[] = [];
      let ttftMs: number | undefined;
      res.on('data', (chunk: Buffer) => {
        if (watch.push(chunk)) ttftMs = performance.now() - t0;
        chunks.push(chunk);
      });
      res.on('end', () => resolve({ ttftMs, answer: answerText(Buffer.concat(chunks)), ok: res.statusCode === 200 && ttftMs !== undefined }));
      res.on('error', () => resolve({ answer: '', ok: false }));
    });
    req.on('error', () => resolve({ answer: '', ok: false }));
    req.end(body);
  });
}

function modelId(): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port: settings.port, path: '/v1/models', agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        const id = (JSON.parse(text) as { data?: { id?: unknown }[] }).data?.[0]?.id;
        if (typeof id === 'string') resolve(id);
        else reject(new Error('GET /v1/models lists no model'));
      });
    })
      .on('error', reject)
      .end();
  });
}

const body = (model: string, messages: readonly ChatMessage[], maxTokens: number): string =>
  JSON.stringify({ model, messages, max_tokens: maxTokens, stream: true, stream_options: { include_usage: true } });

interface Conversation {
  script: ConversationScript;
  turn: number;
  messages: ChatMessage[];
  answer: string;
}

async function main(): Promise<void> {
  const documents = await loadCorpus(settings.corpusDir === null ? {} : { dir: settings.corpusDir });
  const model = await modelId();
  for (let i = 0; i < settings.warmUpRequests; i++) await post('/v1/chat/completions', body(model, [{ role: 'user', content: 'Name three colours.' }], 50));

  const scripts = runScripts({ documents, turns: settings.turns, seed: settings.seed, thinkTime: { minMs: 0, maxMs: 0 } }, settings.conversations);
  const queue: Conversation[] = scripts.map((script) => ({ script, turn: 0, messages: [], answer: '' }));
  const out: FloorOutput = { ttfts: [], failures: 0 };
  let held = 0;
  let wake: (() => void)[] = [];
  const worker = async (): Promise<void> => {
    for (;;) {
      const c = queue.shift();
      if (!c) {
        if (held === 0) return;
        await new Promise<void>((resolve) => wake.push(resolve));
        continue;
      }
      held++;
      c.turn++;
      c.messages = nextMessages(c.script, c.messages, c.answer, c.turn);
      const r = await post('/v1/chat/completions', body(model, c.messages, settings.maxTokens));
      held--;
      if (r.ok) out.ttfts.push(r.ttftMs as number);
      else out.failures++;
      c.answer = r.answer;
      // As kvcanary does: a failed turn with no text to feed back ends its conversation.
      if (c.turn < settings.turns && (r.ok || r.answer !== '')) queue.push(c);
      const waiting = wake;
      wake = [];
      for (const w of waiting) w();
    }
  };
  await Promise.all(Array.from({ length: Math.min(settings.parallel, queue.length) }, worker));
  agent.destroy();
  writeFileSync(settings.out, JSON.stringify(out));
}

main().catch((err: unknown) => {
  process.stderr.write(`workload floor: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
