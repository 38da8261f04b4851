/**
 * The contract's `exporterMetrics.targetUp` over a short window: 1 while at least one of the target's last UP_WINDOW
 * finished requests succeeded (cancelled ones do not count), 0 before its first success and once
 * UP_WINDOW in a row have failed. "Up" means "answers", not "answers every time": a target with
 * 50 % errors stays up (its error ratio is what pages), where the last request alone made it flap
 * on every other request. A run of 10 failures at 50 % errors comes about once in 2,000 requests.
 */
export const UP_WINDOW = 10;

export class TargetUp {
  /** Outcomes of the last UP_WINDOW requests, as a ring; true = success. */
  private readonly recent: boolean[] = [];
  private next = 0;
  private successes = 0;

  /** Records one finished request and returns whether the target is up now. */
  observe(success: boolean): boolean {
    if (this.recent.length < UP_WINDOW) this.recent.push(success);
    else {
      if (this.recent[this.next]) this.successes--;
      this.recent[this.next] = success;
      this.next = (this.next + 1) % UP_WINDOW;
    }
    if (success) this.successes++;
    return this.up;
  }

  get up(): boolean {
    return this.successes > 0;
  }
}
