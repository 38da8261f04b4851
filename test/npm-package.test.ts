/**
 * The npm package as a user installs it: `npm pack` of the exporter, `npm install` of that tarball into
 * an empty folder (our own packages come from the tarball only: the private contract is bundled), then
 * `npx kvcanary serve` there, away from the workspace.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collect, expectBothCorpusKinds, expectServes, listeningUrl, poll, type Output } from './support/served-exporter.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const exporterPackage = JSON.parse(readFileSync(join(repo, 'exporter', 'package.json'), 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
  bundleDependencies: string[];
};

interface PackResult {
  filename: string;
  size: number;
  files: { path: string }[];
}

const npm = (args: string[], cwd: string): string => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('the npm package, installed from its tarball', () => {
  let work: string;
  let pack: PackResult;
  let installed: string;
  let child: ChildProcess;
  let output: Output;
  let url: string;
  let closed = false;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'kvcanary-npm-'));
    const packed = JSON.parse(npm(['pack', '-w', 'exporter', '--json', '--pack-destination', work], repo)) as PackResult[];
    pack = packed[0] as PackResult;
    const user = join(work, 'user');
    execFileSync('mkdir', [user]);
    writeFileSync(join(user, 'package.json'), '{ "name": "kvcanary-user", "private": true }\n');
    // Third-party dependencies from npm's cache where it has them; kvcanary only from the tarball.
    npm(['install', join(work, pack.filename), '--prefer-offline', '--no-audit', '--no-fund'], user);
    installed = join(user, 'node_modules', 'kvcanary');
    // Its own process group, as in a terminal: npx does not forward signals, the group gets them.
    child = spawn('npx', ['--no', 'kvcanary', 'serve', '--web.listen-address=127.0.0.1:0'], { cwd: user, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    output = collect(child);
    child.once('close', () => (closed = true));
    url = await listeningUrl(child, output);
  });

  afterAll(() => {
    if (child?.pid !== undefined && !closed) process.kill(-child.pid, 'SIGKILL');
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('holds the comparison page, the whole corpus and the bundled contract, and no tests', () => {
    const paths = pack.files.map((f) => f.path);
    const corpus = join(repo, 'exporter', 'corpus');
    const corpusFiles = readdirSync(corpus, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => `corpus/${relative(corpus, join(e.parentPath, e.name))}`);
    expect(corpusFiles.length).toBeGreaterThan(0);
    expect(paths).toEqual(expect.arrayContaining(['page/index.html', 'page/standalone.js', 'dist/cli/main.js', ...corpusFiles]));
    expect(paths).toContain('node_modules/@kvcanary/contract/package.json');
    expect(paths.filter((p) => /\.test\.[jt]s$|test-support\//.test(p))).toEqual([]);
  });

  it('resolves every dependency, the contract from inside the package rather than from a registry', () => {
    for (const name of exporterPackage.bundleDependencies) {
      expect(lstatSync(join(installed, 'node_modules', name)).isDirectory()).toBe(true);
      expect(() => lstatSync(join(installed, '..', name))).toThrow();
    }
    const imports = Object.keys(exporterPackage.dependencies).map((d) => `await import(${JSON.stringify(d)});`);
    imports.push("await import('@kvcanary/contract/schemas');");
    expect(() => execFileSync(process.execPath, ['--input-type=module', '-e', imports.join('\n')], { cwd: installed, stdio: 'pipe' })).not.toThrow();
  });

  it('npx kvcanary serve: /metrics, ready, and the comparison page at /', async () => {
    await expectServes(url, readFileSync(join(installed, 'page', 'index.html'), 'utf8'));
    expect(readFileSync(join(installed, 'page', 'index.html'), 'utf8')).toBe(readFileSync(join(repo, 'panel-plugin', 'dist-standalone', 'index.html'), 'utf8'));
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain(`version="${exporterPackage.version}"`);
  });

  it('probes with the package\'s own corpus, both kinds', async () => {
    await expectBothCorpusKinds(url);
  });

  it('drains and stops on SIGTERM to its process group (npx itself just dies)', async () => {
    process.kill(-(child.pid as number), 'SIGTERM');
    // The streams close once kvcanary, which holds them too, has exited; "stopped" is its last word before exit 0.
    await poll('kvcanary to exit', async () => closed, 30_000);
    expect(output.stderr()).toMatch(/"msg":"stopped"/);
  });
});
