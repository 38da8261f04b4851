import { describe, expect, it } from '@jest/globals';
import { SlidingWindow } from './window.js';
import { FakeClock } from '../test-support/fake-clock.js';

describe('SlidingWindow', () => {
  it('drops records older than the age bound, even when nothing new arrives', async () => {
    const clock = new FakeClock();
    const w = new SlidingWindow<number>({ maxAgeMs: 1000, maxRecords: 100, clock });
    w.add(1);
    await clock.advance(600);
    w.add(2);
    expect(w.records()).toEqual([1, 2]);
    await clock.advance(500); // 1 is 1100 ms old
    expect(w.records()).toEqual([2]);
    await clock.advance(1000);
    expect(w.records()).toEqual([]);
    expect(w.length).toBe(0);
  });

  it('keeps at most maxRecords, oldest out first, however many are added', async () => {
    const clock = new FakeClock();
    const w = new SlidingWindow<number>({ maxAgeMs: 60_000, maxRecords: 5, clock });
    for (let i = 0; i < 10_000; i++) {
      w.add(i);
      await clock.advance(1);
    }
    expect(w.records()).toEqual([9995, 9996, 9997, 9998, 9999]);
  });

  it('reports the span it covers for the request rate', async () => {
    const clock = new FakeClock();
    const w = new SlidingWindow<number>({ maxAgeMs: 10_000, maxRecords: 3, clock });
    expect(w.elapsedSeconds()).toBe(0);
    w.add(1);
    await clock.advance(4000);
    expect(w.elapsedSeconds()).toBe(4); // still filling
    await clock.advance(20_000);
    expect(w.elapsedSeconds()).toBe(10); // the age bound
    for (let i = 0; i < 4; i++) {
      w.add(i);
      await clock.advance(1000);
    }
    // the count bound pushed out the record added 3 s ago (plus the stale one): the window covers 3 s
    expect(w.elapsedSeconds()).toBe(4);
  });

  it('rejects nonsense bounds', () => {
    expect(() => new SlidingWindow({ maxAgeMs: 0, maxRecords: 1, clock: new FakeClock() })).toThrow(/maxAgeMs/);
    expect(() => new SlidingWindow({ maxAgeMs: 1, maxRecords: 0, clock: new FakeClock() })).toThrow(/maxRecords/);
  });
});
