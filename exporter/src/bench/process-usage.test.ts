import { describe, expect, it } from '@jest/globals';
import { cpuMsOf, rssMbOf, statCpuTicks, statusRssMb } from './process-usage.js';

describe('reading a process from /proc', () => {
  it('takes utime + stime (fields 14 and 15) of a stat line, whatever the command name holds', () => {
    const stat = '4242 (node) x (y)) S 1 4242 4242 0 -1 4194304 6000 0 0 0 250 75 0 0 20 0 11 0 123 1000000 5000 18446744073709551615';
    expect(statCpuTicks(stat)).toBe(325);
  });

  it('refuses a line it cannot read', () => {
    expect(() => statCpuTicks('garbage')).toThrow('unreadable /proc stat line');
  });

  it('takes VmRSS in MB from a status text', () => {
    expect(statusRssMb('Name:\tnode\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n')).toBe(100);
    expect(() => statusRssMb('Name:\tnode\n')).toThrow('no VmRSS');
  });

  it('reads this very process', () => {
    expect(cpuMsOf(process.pid)).toBeGreaterThan(0);
    expect(rssMbOf(process.pid)).toBeGreaterThan(10);
  });
});
