/**
 * How the monitor fetches a page, as a seam: in this thread (tests, one-off use), or in the exporter's
 * worker thread so that parsing a big page never runs on the loop that timestamps first tokens. A
 * scrape request is plain data (no functions), so that it can cross into a worker.
 */
import type { Dispatcher } from 'undici';
import { isDcgmMetric } from './dcgm.js';
import { isPickerMetric } from './endpoint-picker.js';
import { isWantedMetric } from './normalise.js';
import { scrapeMetrics, type ScrapeResult } from './scrape.js';

/** Which names a scrape keeps: a replica's engine figures, a DCGM exporter's GPU fields, or an endpoint picker's view of its pods. */
export type ScrapeFamily = 'engine' | 'dcgm' | 'picker';

export interface ScrapeRequest {
  url: string;
  timeoutMs: number;
  maxBodyBytes: number;
  family: ScrapeFamily;
}

/** Resolves with the scrape's result; rejects only when the page could not be scraped at all (a failed worker). */
export type Scraper = (request: ScrapeRequest, signal: AbortSignal) => Promise<ScrapeResult>;

const KEEP: Record<ScrapeFamily, (name: string) => boolean> = { engine: isWantedMetric, dcgm: isDcgmMetric, picker: isPickerMetric };

export function keepOf(family: ScrapeFamily): (name: string) => boolean {
  return KEEP[family];
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
