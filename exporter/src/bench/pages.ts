/** The harness's side of page-server.ts: replica pages of given sizes, and their URLs. */
import { forkServer } from './measured-process.js';

export interface Pages {
  /** Replica i's /metrics URL, in the order the sizes were given. */
  urls: string[];
  stop(): void;
}

/** Real replica pages are tens of KB (issue 11); the unpadded page of replica-page.ts is about 16 KB. */
export const TYPICAL_PAGE_BYTES = 32 * 1024;

export async function startPages(sizes: readonly number[]): Promise<Pages> {
  const { child, port } = await forkServer('page-server.js', JSON.stringify(sizes));
  return {
    urls: sizes.map((_, i) => `http://127.0.0.1:${port}/replicas/${i}/metrics`),
    stop: () => child.kill('SIGTERM'),
  };
}
