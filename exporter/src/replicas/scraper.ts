/**
 * How the monitor fetches a page, as a seam: in this thread (tests, one-off use), or in the exporter's
 * worker thread so that parsing a big page never runs on the loop that timestamps first tokens. A
 * scrape request is plain data (no functions), so that it can cross into a worker.
 */
import type { Dispatcher } from 'undici';
import { DCGM_GPU_UTIL, isWantedMetric } from './normalise.js';
import { scrapeMetrics, type ScrapeResult } from './scrape.js';

/** Which names a scrape keeps: a replica's engine figures, or a DCGM exporter's GPU utilisation. */
export type ScrapeFamily = 'engine' | 'dcgm';

export interface ScrapeRequest {
  url: string;
  timeoutMs: number;
  maxBodyBytes: number;
  family: ScrapeFamily;
}

/** Resolves with the scrape's result; rejects only when the page could not be scraped at all (a failed worker). */
export type Scraper = (request: ScrapeRequest, signal: AbortSignal) => Promise<ScrapeResult>;

const isDcgmUtil = (name: string): boolean => name === DCGM_GPU_UTIL;

export function keepOf(family: ScrapeFamily): (name: string) => boolean {
  return family === 'engine' ? isWantedMetric : isDcgmUtil;
}

/** Scrapes in the calling thread over `dispatcher`'s pool. */
export function localScraper(dispatcher: () => Dispatcher): Scraper {
  return (request, signal) =>
    scrapeMetrics(request.url, {
      timeoutMs: request.timeoutMs,
      maxBodyBytes: request.maxBodyBytes,
      dispatcher: dispatcher(),
      keep: keepOf(request.family),
      signal,
    });
}
