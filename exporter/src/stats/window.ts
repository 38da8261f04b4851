import type { Clock } from '../util/clock.js';

export interface SlidingWindowOptions {
  /** Records older than this (by the clock, at the time they were added) fall out. */
  maxAgeMs: number;
  /** Hard bound on memory: beyond this many records the oldest fall out, whatever their age. */
  maxRecords: number;
  clock: Clock;
}

/**
 * The recent records of one target, bounded by age and by count, so that the exporter's memory stays
 * flat however long it runs. A ring buffer: adding is O(1) and never reallocates after it fills.
 */
export class SlidingWindow<T> {
  private readonly items: (T | undefined)[];
  private readonly times: Float64Array;
  private head = 0; // index of the oldest record
  private size = 0;
  private firstAddedAt: number | null = null;
  /** When the newest record pushed out by the count bound had been added: the window starts after it. */
  private countEvictedAt: number | null = null;

  constructor(private readonly options: SlidingWindowOptions) {
    if (!(options.maxRecords >= 1) || !Number.isInteger(options.maxRecords)) throw new RangeError('maxRecords must be a positive integer');
    if (!(options.maxAgeMs > 0)) throw new RangeError('maxAgeMs must be positive');
    this.items = new Array<T | undefined>(options.maxRecords);
    this.times = new Float64Array(options.maxRecords);
  }

  add(record: T): void {
    const now = this.options.clock.now();
    this.firstAddedAt ??= now;
    const capacity = this.options.maxRecords;
    if (this.size === capacity) {
      // Full: the oldest goes, and the window now starts after it.
      this.countEvictedAt = this.times[this.head] as number;
      this.head = (this.head + 1) % capacity;
      this.size--;
    }
    const slot = (this.head + this.size) % capacity;
    this.items[slot] = record;
    this.times[slot] = now;
    this.size++;
  }

  /** Drops what is too old; called by every reader so that a quiet window still empties. */
  private prune(now: number): void {
    const capacity = this.options.maxRecords;
    while (this.size > 0 && now - (this.times[this.head] as number) > this.options.maxAgeMs) {
      this.items[this.head] = undefined; // let the record be collected
      this.head = (this.head + 1) % capacity;
      this.size--;
    }
  }

  /** The records in the window, oldest first. */
  records(): T[] {
    this.prune(this.options.clock.now());
    const out: T[] = [];
    for (let i = 0; i < this.size; i++) out.push(this.items[(this.head + i) % this.options.maxRecords] as T);
    return out;
  }

  get length(): number {
    this.prune(this.options.clock.now());
    return this.size;
  }

  /**
   * Seconds the window covers, the denominator of its request rate: the full age bound once the
   * window has existed that long, less while it is still filling, and only back to the last record
   * the count bound pushed out when that is more recent.
   */
  elapsedSeconds(): number {
    if (this.firstAddedAt === null) return 0;
    const now = this.options.clock.now();
    let span = Math.min(now - this.firstAddedAt, this.options.maxAgeMs);
    if (this.countEvictedAt !== null) span = Math.min(span, now - this.countEvictedAt);
    return Math.max(span, 0) / 1000;
  }

  clear(): void {
    this.items.fill(undefined);
    this.head = 0;
    this.size = 0;
    this.firstAddedAt = null;
    this.countEvictedAt = null;
  }
}
