import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { ListenAddress } from './listen-address.js';

export interface RunningServer {
  address: AddressInfo;
  /** Stops accepting, ends idle keep-alive connections, waits for responses in progress. */
  close(): Promise<void>;
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
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeIdleConnections();
          }),
      });
    });
  });
}
