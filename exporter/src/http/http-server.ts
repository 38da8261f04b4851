import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { ListenAddress } from './listen-address.js';

export interface RunningServer {
  address: AddressInfo;
  /**
   * Stops accepting, ends idle keep-alive connections, waits up to `forceAfterMs` for responses in
   * progress, then drops every connection left.
   */
  close(forceAfterMs?: number): Promise<void>;
}

export function listen(app: Express, where: ListenAddress): Promise<RunningServer> {
  const server: Server = createServer(app);
  // Slow or idle clients must not hold sockets forever (a scrape is small and quick).
  server.requestTimeout = 180_000;
  server.headersTimeout = 15_000;
  server.keepAliveTimeout = 65_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(where.port, where.host, () => {
      server.off('error', reject);
      resolve({
        address: server.address() as AddressInfo,
        close: (forceAfterMs = 1000) =>
          new Promise<void>((done) => {
            // A connection that never sent a whole request (a silent connect, half a header) is
            // neither idle nor answering: close() stops the headersTimeout checks that would have
            // dropped it, so without this it holds shutdown forever.
            const force = setTimeout(() => server.closeAllConnections(), forceAfterMs);
            server.close(() => {
              clearTimeout(force);
              done();
            });
            server.closeIdleConnections();
          }),
      });
    });
  });
}
