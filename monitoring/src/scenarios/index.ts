/** Every promtool scenario file; a new file's export is added here and `npm run generate -w monitoring` writes it. */
import { cacheSpeedup } from './cache-speedup.js';
import { candidateVsBaseline } from './candidate-vs-baseline.js';
import { probeAbsent } from './probe-absent.js';
import { probeFailing } from './probe-failing.js';
import { replicaImbalance } from './replica-imbalance.js';
import { replicaKvHit } from './replica-kv-hit.js';
import { severalExporters } from './several-exporters.js';
import type { ScenarioFile } from './scenario.js';
import { sloBurnRate } from './slo-burn-rate.js';
import { ttftRegression } from './ttft-regression.js';
import { ttftSplit } from './ttft-split.js';

export const scenarioFiles: readonly ScenarioFile[] = [
  cacheSpeedup,
  candidateVsBaseline,
  probeAbsent,
  probeFailing,
  replicaImbalance,
  replicaKvHit,
  severalExporters,
  sloBurnRate,
  ttftRegression,
  ttftSplit,
];
