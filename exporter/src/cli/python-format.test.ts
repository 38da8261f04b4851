import { describe, expect, it } from '@jest/globals';
import { pyFixed, pyInt, pyRight } from './python-format.js';

describe('Python format specs', () => {
  it('rounds exact halves to even as Python does, where toFixed rounds them up', () => {
    // python3 -c "print(f'{0.125:.2f} {0.375:.2f} {0.625:.2f} {208.625:.2f} {2.5:.0f} {3.5:.0f} {0.05:.1f}')"
    // -> 0.12 0.38 0.62 208.62 2 4 0.1
    expect([pyFixed(0.125, 2), pyFixed(0.375, 2), pyFixed(0.625, 2), pyFixed(208.625, 2), pyFixed(2.5, 0), pyFixed(3.5, 0), pyFixed(0.05, 1)]).toEqual([
      '0.12', '0.38', '0.62', '208.62', '2', '4', '0.1',
    ]);
    expect((0.125).toFixed(2)).toBe('0.13');
  });

  it('rounds every other value by its exact binary value, as both do', () => {
    // 2.675 is 2.67499999... in binary; 1.005 is 1.00499999...; python3 prints 2.67 1.00 -1.24
    expect([pyFixed(2.675, 2), pyFixed(1.005, 2), pyFixed(-1.235, 2)]).toEqual(['2.67', '1.00', '-1.24']);
  });

  it('pads to a minimum width and never truncates', () => {
    expect(pyRight(51.19, 10, 2)).toBe('     51.19');
    expect(pyRight(12345678.5, 10, 2)).toBe('12345678.50');
    expect([pyInt(1, 2), pyInt(10, 2), pyInt(100, 2)]).toEqual([' 1', '10', '100']);
  });
});
