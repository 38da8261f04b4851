/**
 * The two Python format specs the reference tool prints its figures with, reproduced exactly so that
 * scripts written against its output read ours: `{v:.Nf}` (with `>W` padding) and `{n:Wd}`.
 */

/**
 * Python's `format(v, '.Nf')`: the decimal nearest to the double's exact value, ties to even.
 * `Number.prototype.toFixed` also works on the exact value but breaks ties upwards (ECMA-262
 * Number.prototype.toFixed step 10.a, "pick the larger n"), so `(0.125).toFixed(2)` is '0.13' where
 * Python prints '0.12'. A double lies exactly halfway between two N-digit decimals only when it is
 * an odd multiple of 2^-(N+1) (the 5^N of the decimal's denominator must cancel), and that test is
 * exact: scaling by a power of two never rounds.
 */
export function pyFixed(v: number, digits: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  if (v < 0 || Object.is(v, -0)) return `-${pyFixed(-v, digits)}`;
  const halves = v * 2 ** (digits + 1);
  if (Number.isSafeInteger(halves) && halves % 2 === 1) {
    const lower = Math.floor(v * 10 ** digits);
    return ((lower % 2 === 0 ? lower : lower + 1) / 10 ** digits).toFixed(digits);
  }
  return v.toFixed(digits);
}

/** `{v:>W.Nf}`: right-aligned in at least W characters. */
export function pyRight(v: number, width: number, digits: number): string {
  return pyFixed(v, digits).padStart(width);
}

/** `{n:Wd}`: an integer right-aligned in at least W characters. */
export function pyInt(n: number, width: number): string {
  return String(n).padStart(width);
}
