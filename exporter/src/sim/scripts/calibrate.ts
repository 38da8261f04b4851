/**
 * Calibration run: a simulated cluster per policy, the reference workload against each, the
 * figures side by side. `node --experimental-strip-types`-free: run through jest's swc or tsc output:
 *   npx tsc -p tsconfig.build.json && node dist/sim/scripts/calibrate.js [timeScale]
 */
import { runCalibration } from '../calibration.js';
import { startCluster } from '../cluster.js';
import type { PolicyName } from '../router-policy.js';

const timeScale = Number(process.argv[2] ?? '1');
const policies: PolicyName[] = ['round-robin', 'prefix-aware'];
const results = await Promise.all(
  policies.map(async (policy) => {
    const cluster = await startCluster({ replicas: 4, router: policy, name: policy, timeScale });
    try {
      const { summary } = await runCalibration({ baseUrl: cluster.routerUrl, model: 'Qwen/Qwen3-0.6B', minDelayMs: 500 * timeScale, maxDelayMs: 2000 * timeScale, seed: 7 });
      return { policy, ...summary };
    } finally {
      await cluster.close();
    }
  }),
);
console.table(results.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v * 100) / 100 : v]))));
