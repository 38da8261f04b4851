import { describe, expect, it } from '@jest/globals';
import { TargetUp, UP_WINDOW } from './target-up.js';

describe('target up over the last requests', () => {
  it('is down before the first success, up after it, down after UP_WINDOW failures in a row', () => {
    const up = new TargetUp();
    expect(up.up).toBe(false);
    expect(up.observe(false)).toBe(false);
    expect(up.observe(true)).toBe(true);
    const afterFailures = Array.from({ length: UP_WINDOW }, () => up.observe(false));
    expect(afterFailures).toEqual([...Array<boolean>(UP_WINDOW - 1).fill(true), false]);
    expect(up.observe(true)).toBe(true);
  });

  it('does not flap at 50 % errors', () => {
    const up = new TargetUp();
    const seen = Array.from({ length: 200 }, (_, i) => up.observe(i % 2 === 0));
    expect(seen.every(Boolean)).toBe(true);
  });
});
