import { UsageError } from '../util/usage-error.js';

/**
 * `--web.listen-address` as Prometheus exporters spell it: `HOST:PORT`, `:PORT` (every interface),
 * `[::1]:PORT`. Port 0 asks the system for a free port (the actual address is printed).
 */
export const DEFAULT_LISTEN_ADDRESS = ':9464';

export interface ListenAddress {
  /** undefined = every interface. */
  host: string | undefined;
  port: number;
}

export function parseListenAddress(value: string): ListenAddress {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) throw new UsageError(`--web.listen-address: '${value}' is not HOST:PORT (e.g. :9464 or 127.0.0.1:9464)`);
  const host = m[1] ?? m[2];
  return { host: host === '' ? undefined : host, port };
}

/** For printing: a URL a person can open (an unspecified host is shown as localhost). */
export function displayUrl(address: { address: string; port: number; family: string }): string {
  const unspecified = address.address === '::' || address.address === '0.0.0.0';
  const host = unspecified ? 'localhost' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
