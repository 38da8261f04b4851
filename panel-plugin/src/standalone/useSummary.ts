import type { SummaryResponse } from '@kvcanary/contract/schemas';
import { useEffect, useState } from 'react';
import { parseSummary } from '../model/summary';

export interface SummaryState {
  response: SummaryResponse | null;
  /** Why the last fetch failed; the last good response stays on screen meanwhile. */
  error?: string;
}

/** Polls the exporter's summary every `intervalMs`, relative to the page, so it works behind a path prefix. */
export function useSummary(url: string, intervalMs: number): SummaryState {
  const [state, setState] = useState<SummaryState>({ response: null });
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const controller = new AbortController();
    const poll = async () => {
      try {
        const res = await fetch(url, { signal: controller.signal, headers: { accept: 'application/json' } });
        if (!res.ok) {
          throw new Error(`${url} answered HTTP ${res.status}`);
        }
        const response = parseSummary(await res.json(), url);
        if (!stopped) {
          setState({ response });
        }
      } catch (e) {
        if (!stopped) {
          const message = e instanceof Error ? e.message : String(e);
          setState((prev) => ({ response: prev.response, error: `Cannot read the summary: ${message}` }));
        }
      }
      if (!stopped) {
        timer = setTimeout(poll, intervalMs);
      }
    };
    void poll();
    return () => {
      stopped = true;
      controller.abort();
      clearTimeout(timer);
    };
  }, [url, intervalMs]);
  return state;
}
