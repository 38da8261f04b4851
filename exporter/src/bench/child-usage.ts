/**
 * Preloaded (`node --import`) into every process the harness measures: when the process exits, its
 * own CPU time and peak RSS (getrusage, microsecond CPU) go to the file named by the environment, so
 * a CLI that exits by itself is measured to its last instruction without any change to its code.
 */
import { writeFileSync } from 'node:fs';
import { USAGE_FILE_ENV, type ProcessUsage } from './process-usage.js';

const file = process.env[USAGE_FILE_ENV];
if (file) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    const report: ProcessUsage = { cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, peakRssMb: usage.maxRSS / 1024 };
    writeFileSync(file, JSON.stringify(report));
  });
}
