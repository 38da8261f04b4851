import { describe, expect, it } from '@jest/globals';
import { SlidingWindow } from './window.js';
import { fakeClock } from './test-fixtures.js';

describe('SlidingWindow', () => {
  it('drops records older than the age bound, even when nothing new arrives', () => {
    const clock = fakeClock();
    const w = new SlidingWindow<number>({ maxAgeMs: 1000, maxRecords: 100, clock });
    w.add(1);
    clock.advance(600);
    w.add(2);
    expect(w.records()).toEqual([1, 2]);
    clock.advance(500); // 1 is 1100 ms old
    expect(w.records()).toEqual([2]);
    clock.advance(1000);
    expect(w.records()).toEqual([]);
    expect(w.length).toBe(0);
  });

  it('keeps at most maxRecords, oldest out first, however many are added', () => {
    const clock = fakeClock();
    const w = new SlidingWindow<number>({ maxAgeMs: 60_000, maxRecords: 5, clock });
    for (let i = 0; i < 10_000; i++) {
      w.add(i);
      clock.advance(1);
    }
    expect(w.records()).toEqual([9995, 9996, 9997, 9998, 9999]);
  });

  it('reports the span it covers for the request rate', () => {
    const clock = fakeClock();
    const w = new SlidingWindow<number>({ maxAgeMs: 10_000, maxRecords: 3, clock });
    expect(w.elapsedSeconds()).toBe(0);
    w.add(1);
    clock.advance(4000);
    expect(w.elapsedSeconds()).toBe(4); // still filling
    clock.advance(20_000);
    expect(w.elapsedSeconds()).toBe(10); // the age bound
    for (let i = 0; i < 4; i++) {
      w.add(i);
      clock.advance(1000);
    }
    // the count bound pushed out the record added 3 s ago (plus the stale one): the window covers 3 s
    expect(w.elapsedSeconds()).toBe(4);
  });

  it('rejects nonsense bounds', () => {
    expect(() => new SlidingWindow({ maxAgeMs: 0, maxRecords: 1, clock: fakeClock() })).toThrow(/maxAgeMs/);
    expect(() => new SlidingWindow({ maxAgeMs: 1, maxRecords: 0, clock: fakeClock() })).toThrow(/maxRecords/);
  });
});
