import { useEffect, useState } from 'react';

export interface PolledState<T> {
  response: T | null;
  /** Why the last fetch failed; the last good response stays on screen meanwhile. */
  error?: string;
}

/**
 * Polls one of the exporter's JSON routes every `intervalMs`, relative to the page, so it works behind a
 * path prefix; `parse` validates the body against its contract schema and throws a message naming the field.
 */
export function usePolled<T>(url: string, intervalMs: number, parse: (body: unknown, url: string) => T, what: string): PolledState<T> {
  const [state, setState] = useState<PolledState<T>>({ response: null });
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
        const response = parse(await res.json(), url);
        if (!stopped) {
          setState({ response });
        }
      } catch (e) {
        if (!stopped) {
          const message = e instanceof Error ? e.message : String(e);
          setState((prev) => ({ response: prev.response, error: `Cannot read the ${what}: ${message}` }));
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
  }, [url, intervalMs, parse, what]);
  return state;
}
