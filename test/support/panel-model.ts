/**
 * The panel's own formatting and comparison functions (panel-plugin/src/model/format.ts, compare.ts), bundled
 * by esbuild for Node, so that a test formats a Prometheus value exactly as the panel does without a copy of
 * its rules. The panel sources are bundled, not imported: they are written for the panel's webpack build.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const repo = fileURLToPath(new URL('../..', import.meta.url));

interface LatencyOptions {
  latencyUnit: 'ms' | 's';
  decimals?: number;
}

/** The signatures of panel-plugin/src/model/format.ts and compare.ts's `improvement`. */
export interface PanelModel {
  formatLatency(ms: number | null, options: LatencyOptions): string;
  formatFactor(value: number | null): string;
  formatPercent(ratio: number | null): string;
  formatCount(n: number | null): string;
  formatAge(thenMs: number | null, nowMs: number): string;
  formatCachedShare(tokens: { prompt: number | null; cached: number | null }): string | null;
  improvement(
    kind: 'latency' | 'ratio',
    baseline: number | null,
    candidate: number | null,
    options: { betterThreshold: number; worseThreshold: number },
  ): { text: string } | null;
}

export async function loadPanelModel(): Promise<PanelModel> {
  const outDir = join(repo, 'node_modules', '.cache', 'kvcanary-panel-model');
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, 'panel-model.mjs');
  await build({
    stdin: {
      contents: "export * from './format';\nexport { improvement } from './compare';\n",
      resolveDir: join(repo, 'panel-plugin', 'src', 'model'),
      sourcefile: 'panel-model.ts',
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'node',
    outfile,
    logLevel: 'error',
  });
  return (await import(pathToFileURL(outfile).href)) as PanelModel;
}
