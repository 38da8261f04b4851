import { DEFAULT_ENGINE_CONFIG, type EngineConfig } from '../sim/engine-config.js';

/** Engine settings for tests over real loopback: the calibrated shape, a hundred times faster. */
export function fastEngine(overrides: Partial<EngineConfig> = {}): EngineConfig {
  return { ...DEFAULT_ENGINE_CONFIG, timeScale: 0.01, requestOverheadMs: 0, answerMinTokens: 8, answerMaxTokens: 16, ...overrides };
}

export interface SseResult {
  status: number;
  headers: Headers;
  events: string[];
}

/** POST a body and collect the SSE `data:` payloads in order. */
export async function postSse(url: string, body: unknown): Promise<SseResult> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  const events = text
    .split('\n\n')
    .filter((block) => block.length > 0)
    .map((block) => {
      if (!block.startsWith('data: ')) throw new Error(`not an SSE data line: ${block}`);
      return block.slice('data: '.length);
    });
  return { status: res.status, headers: res.headers, events };
}

export async function postJson(url: string, body: unknown, method = 'POST'): Promise<{ status: number; headers: Headers; json: unknown }> {
  const res = await fetch(url, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, json: (await res.json()) as unknown };
}

export function chatBody(content: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: DEFAULT_ENGINE_CONFIG.model, messages: [{ role: 'user', content }], max_tokens: 12, stream: true, ...extra };
}

/** Wait (real time, bounded) until `done` holds: for I/O on loopback while a fake clock stands still. */
export async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !done(); i++) await new Promise((r) => setTimeout(r, 1));
  if (!done()) throw new Error('still waiting after 2000 tries');
}
