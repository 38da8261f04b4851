/**
 * Progress of a bench run on stderr: a redrawn bar when stderr is a terminal; otherwise, only in
 * verbose mode, a plain line every 10% or 10 s, so that logs of CI jobs stay readable.
 */
export interface Progress {
  warmUp(done: number, total: number): void;
  request(ok: boolean): void;
  finish(): void;
}

export interface ProgressOptions {
  total: number;
  isTty: boolean;
  verbose: boolean;
  write(text: string): void;
  /** Milliseconds, monotonic. */
  now(): number;
  label?: string;
}

const BAR_WIDTH = 30;
const PLAIN_EVERY_MS = 10_000;

export function createProgress(options: ProgressOptions): Progress {
  const started = options.now();
  const label = options.label ? `${options.label} ` : '';
  let done = 0;
  let errors = 0;
  let lastPlainAt = started;
  let lastPlainDecile = 0;
  let drawn = false;

  const status = (): string => `${done}/${options.total} requests, ${errors} errors, ${((options.now() - started) / 1000).toFixed(1)}s`;

  const draw = (): void => {
    const share = options.total > 0 ? Math.min(done / options.total, 1) : 1;
    const filled = Math.round(share * BAR_WIDTH);
    options.write(`\r${label}[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${status()}\u001b[K`);
    drawn = true;
  };

  return {
    warmUp(n, total) {
      if (options.isTty) {
        options.write(`\r${label}warming up: ${n}/${total}\u001b[K`);
        drawn = true;
      } else if (options.verbose && n === total) options.write(`${label}warm-up done (${total} requests)\n`);
    },
    request(ok) {
      done++;
      if (!ok) errors++;
      if (options.isTty) return draw();
      if (!options.verbose) return;
      const decile = options.total > 0 ? Math.floor((10 * done) / options.total) : 10;
      if (decile > lastPlainDecile || options.now() - lastPlainAt >= PLAIN_EVERY_MS) {
        lastPlainDecile = decile;
        lastPlainAt = options.now();
        options.write(`${label}progress: ${status()}\n`);
      }
    },
    finish() {
      if (options.isTty && drawn) {
        draw();
        options.write('\n');
      }
    },
  };
}
