/**
 * A Grafana line's frontend, built from its own npm packages, for the browser test of the plugin as
 * Grafana loads it (test/panel-in-grafana-loader.test.ts):
 * - test/grafana-lines/<line>/package.json and its committed package-lock.json pin the packages Grafana
 *   shares with plugins (react, @grafana/data, @grafana/ui, ...); `npm ci` installs them into a cache folder
 *   under node_modules/.cache (its own npm project, no part of the workspace), again only when the lockfile
 *   changed;
 * - esbuild bundles test/grafana-lines/host-entry.ts against that folder into a page that serves the
 *   plugin's module.js, unmodified, at the path Grafana serves plugins from.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const linesDir = join(repo, 'test', 'grafana-lines');
const cacheRoot = join(repo, 'node_modules', '.cache', 'kvcanary-grafana-lines');

export interface GrafanaHost {
  line: string;
  /** The folder to serve: index.html, host.js (and host.css), public/plugins/<id>/ linked to the plugin's dist/. */
  site: string;
  /** Where module.js is served, as Grafana serves a plugin's module. */
  modulePath: string;
  /** Milliseconds `npm ci` took; null when the installed packages matched the lockfile already. */
  installMs: number | null;
  bundleMs: number;
  /** Size of host.js and host.css together. */
  bundleBytes: number;
  /** Installed versions of the shared packages, as their package.json files say. */
  versions: Record<string, string>;
}

/** Grafana's index.html sets this before any script (public/views/index.html); @grafana/runtime's config reads it. */
function bootData(): unknown {
  return {
    settings: {
      // On by default since Grafana 10.0, as grafana/grafana#92218 (which later removed the toggle) says.
      featureToggles: { prometheusDataplane: true },
    },
    user: { lightTheme: false, timezone: 'browser' },
    navTree: [],
  };
}

const lockHash = (dir: string): string =>
  createHash('sha256')
    .update(readFileSync(join(dir, 'package.json')))
    .update(readFileSync(join(dir, 'package-lock.json')))
    .digest('hex');

/** Installs the line's packages into its cache folder unless the same lockfile is installed there already. */
function install(line: string): { dir: string; installMs: number | null } {
  const source = join(linesDir, line);
  const dir = join(cacheRoot, line);
  const stamp = join(dir, '.installed-lock');
  const hash = lockHash(source);
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash && existsSync(join(dir, 'node_modules'))) {
    return { dir, installMs: null };
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const file of ['package.json', 'package-lock.json']) copyFileSync(join(source, file), join(dir, file));
  const started = Date.now();
  // --ignore-scripts: nothing the host needs builds at install time; --no-workspaces: this folder is its own project.
  execFileSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--no-workspaces', '--loglevel=error'], { cwd: dir, stdio: 'inherit' });
  const installMs = Date.now() - started;
  writeFileSync(stamp, hash);
  return { dir, installMs };
}

function installedVersions(dir: string): Record<string, string> {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  return Object.fromEntries(
    Object.keys(manifest.dependencies).map((name) => {
      const pkg = JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')) as { version: string };
      return [name, pkg.version];
    }),
  );
}

/**
 * @grafana/runtime 10.4 imports `systemjs/dist/system` and `systemjs/dist/extras/amd` without their `.js`,
 * which Grafana's webpack completes and SystemJS's package `exports` do not admit: esbuild gets the `.js`.
 */
const extensionlessSystemjs: Plugin = {
  name: 'extensionless-systemjs',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^systemjs\/dist\/[\w/-]+$/ }, (args) =>
      pluginBuild.resolve(`${args.path}.js`, { kind: args.kind, resolveDir: args.resolveDir }),
    );
  },
};

/**
 * Type-checks host-entry.ts against this line's packages, from a copy in the line's folder so that every
 * import resolves in its node_modules (the workspace's copies are one line only, hence no place in
 * `npm run typecheck`).
 */
function typecheck(dir: string, entry: string): void {
  const config = join(dir, 'tsconfig.host.json');
  writeFileSync(
    config,
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: 'ES2020',
        module: 'ESNext',
        moduleResolution: 'Bundler',
        lib: ['ES2022', 'DOM', 'DOM.Iterable'],
        skipLibCheck: true,
        types: ['systemjs'],
      },
      files: [entry],
    }),
  );
  execFileSync(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', config], { cwd: dir, stdio: 'inherit' });
}

/** Installs (when needed), type-checks and bundles one line's host page, with the plugin's dist/ served as Grafana serves it. */
export async function prepareHost(line: string, plugin: { id: string; dist: string }): Promise<GrafanaHost> {
  const { dir, installMs } = install(line);
  const entry = join(dir, 'host-entry.ts');
  copyFileSync(join(linesDir, 'host-entry.ts'), entry);
  typecheck(dir, entry);
  const site = join(dir, 'site');
  rmSync(site, { recursive: true, force: true });
  mkdirSync(join(site, 'public', 'plugins'), { recursive: true });
  symlinkSync(plugin.dist, join(site, 'public', 'plugins', plugin.id), 'dir');

  const started = Date.now();
  await build({
    entryPoints: [entry],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    outfile: join(site, 'host.js'),
    // `define` is SystemJS's AMD loader on this page: bundled UMD modules (lodash...) must not register with
    // it, as webpack's bundles in Grafana never do.
    define: { 'process.env.NODE_ENV': '"production"', global: 'window', define: 'undefined' },
    loader: { '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.eot': 'file', '.svg': 'file', '.png': 'file', '.gif': 'file' },
    plugins: [extensionlessSystemjs],
    logLevel: 'error',
  });
  const bundleMs = Date.now() - started;
  const css = existsSync(join(site, 'host.css'));
  writeFileSync(
    join(site, 'index.html'),
    [
      '<!doctype html>',
      `<html><head><meta charset="utf-8"><title>kvcanary panel in Grafana ${line}</title>`,
      `<script>window.grafanaBootData = ${JSON.stringify(bootData())};</script>`,
      css ? '<link rel="stylesheet" href="/host.css">' : '',
      '</head><body><div id="root"></div><script src="/host.js"></script></body></html>',
    ].join('\n'),
  );
  const bundleBytes = statSync(join(site, 'host.js')).size + (css ? statSync(join(site, 'host.css')).size : 0);
  return { line, site, modulePath: `/public/plugins/${plugin.id}/module.js`, installMs, bundleMs, bundleBytes, versions: installedVersions(dir) };
}
