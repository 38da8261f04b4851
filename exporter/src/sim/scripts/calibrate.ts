/**
 * Calibration run: a simulated cluster per policy, the reference workload against each, the
 * figures side by side. Build, then run:
 *   npx tsc -p tsconfig.build.json && node dist/sim/scripts/calibrate.js [timeScale] [seed]
 * At timeScale 1 it takes about three minutes, like the reference run.
 */
import { runCalibration } from '../calibration.js';
import { startCluster } from '../cluster.js';
import type { PolicyName } from '../router-policy.js';

const timeScale = Number(process.argv[2] ?? '1');
const seed = Number(process.argv[3] ?? '7');
const policies: PolicyName[] = ['round-robin', 'prefix-aware'];
const results = await Promise.all(
  policies.map(async (policy) => {
    const cluster = await startCluster({ replicas: 4, router: policy, name: policy, timeScale, seed });
    try {
      const { summary } = await runCalibration({ baseUrl: cluster.routerUrl, model: 'Qwen/Qwen3-0.6B', minDelayMs: 500 * timeScale, maxDelayMs: 2000 * timeScale, seed });
      return { policy, seed, ...summary };
    } finally {
      await cluster.close();
    }
  }),
);
console.table(results.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v * 100) / 100 : v]))));
