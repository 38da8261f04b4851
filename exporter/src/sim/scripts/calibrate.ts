/**
 * Calibration run: for each seed, a 4-replica simulated cluster per router, the reference workload
 * against each, and the figures against the published ones (median over the seeds, the spread).
 * Build, then from the repository root:
 *   node exporter/dist/sim/scripts/calibrate.js [--corpus DIR] [--seeds 3] [--clock virtual|real]
 *     [--time-scale 1] [--json FILE]
 * Without --corpus it runs on the stand-in documents of calibrationDocuments. On the virtual clock
 * (the default) the clusters and clients run as a discrete-event simulation, as fast as the host
 * allows; --clock real runs them in real time (a seed then takes about four minutes at time scale 1,
 * and the host's own delays land in the figures).
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock, type Clock } from '../../util/clock.js';
import { seededRandom } from '../../util/random.js';
import { compareToPublished, formatReport } from '../calibration-report.js';
import { calibrationDocuments, runCalibration, type CalibrationSummary, type TurnRecord } from '../calibration.js';
import { startCluster } from '../cluster.js';
import { DEFAULT_ENGINE_CONFIG } from '../engine-config.js';
import type { PolicyName } from '../router-policy.js';
import { VirtualClock } from '../virtual-clock.js';

const POLICIES: PolicyName[] = ['round-robin', 'prefix-aware'];

function fail(message: string): never {
  console.error(`calibrate: ${message}`);
  process.exit(2);
}

/** Every regular file of `dir`, by name: the order the reference tool's conversations take them in. */
async function loadCorpus(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((err: unknown) => fail(`cannot read --corpus ${dir}: ${err instanceof Error ? err.message : String(err)}`));
  const files = entries.filter((e) => e.isFile() && !e.name.startsWith('.')).map((e) => e.name).sort();
  if (files.length === 0) fail(`--corpus ${dir} holds no documents`);
  return Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')));
}

function positive(flag: string, raw: string | undefined, fallback: number, integer: boolean): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) fail(`--${flag} must be ${integer ? 'an integer' : 'a number'} > 0, got '${raw}'`);
  return v;
}

let values: Record<string, string | undefined>;
try {
  ({ values } = parseArgs({ options: { corpus: { type: 'string' }, seeds: { type: 'string' }, clock: { type: 'string' }, 'time-scale': { type: 'string' }, json: { type: 'string' } }, strict: true, allowPositionals: false }));
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
}
const seeds = positive('seeds', values['seeds'], 3, true);
const timeScale = positive('time-scale', values['time-scale'], 1, false);
const clockName = values['clock'] ?? 'virtual';
if (clockName !== 'virtual' && clockName !== 'real') fail(`--clock must be virtual or real, got '${clockName}'`);
const documents = values['corpus'] !== undefined ? await loadCorpus(values['corpus']) : calibrationDocuments(11, seededRandom(1));
console.log(`corpus: ${values['corpus'] ?? 'stand-in documents'} (${documents.length} documents, ${documents.map((d) => Math.round(d.length / 1024)).join(' ')} KiB)`);
console.log(`seeds 1-${seeds}, ${clockName} clock, time scale ${timeScale}; one line per run as it finishes`);

// Simulated time for the clusters and their clients alike, moving only when nothing else happens:
// the figures are the model's alone, whatever else the machine is doing.
const clock: Clock = clockName === 'virtual' ? new VirtualClock() : systemClock;
const runs: { policy: PolicyName; seed: number; summary: CalibrationSummary; records: TurnRecord[] }[] = [];
for (let seed = 1; seed <= seeds; seed++) {
  await Promise.all(
    POLICIES.map(async (policy) => {
      const cluster = await startCluster({ replicas: 4, router: policy, name: policy, timeScale, seed, clock });
      try {
        const { summary, records } = await runCalibration({ baseUrl: cluster.routerUrl, model: DEFAULT_ENGINE_CONFIG.model, documents, seed, timeScale, clock });
        runs.push({ policy, seed, summary, records });
        const s = summary;
        console.log(
          `  seed ${seed} ${policy.padEnd(12)} P50 ${s.p50Ms.toFixed(1)}  P95 ${s.p95Ms.toFixed(1)}  P99 ${s.p99Ms.toFixed(1)}  first ${s.firstTurnMeanMs.toFixed(1)}  later ${s.laterTurnMeanMs.toFixed(1)}  speedup ${s.speedup.toFixed(2)}x  KV hit ${(s.kvHitRate * 100).toFixed(1)} %`,
        );
      } finally {
        await cluster.close();
      }
    }),
  );
}
console.log('');
for (const line of formatReport(compareToPublished(runs), seeds)) console.log(line);
if (values['json'] !== undefined) await writeFile(values['json'], `${JSON.stringify({ timeScale, seeds, runs }, null, 1)}\n`);
