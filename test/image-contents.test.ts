/**
 * The container image as it would run, without a container engine: the Containerfile's last stage is
 * staged file for file (test/support/image-root.ts says how each stage is reproduced) and started with
 * its own ENTRYPOINT, USER and VOLUMEs, PID 1 of its own PID namespace on a read-only root. A file the
 * image forgets to copy breaks one of these checks.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readContainerfile } from './support/containerfile.js';
import { namespaceInit, processIds, stageImage, startInImage, type StagedImage } from './support/image-root.js';
import { collect, exitCode, expectBothCorpusKinds, expectServes, listeningUrl, type Output } from './support/served-exporter.js';
import { findTool } from './support/tools.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const containerfile = readContainerfile(join(repo, 'Containerfile'));

// Root is needed for the mount and PID namespaces; tini-static is Debian's, the file the image copies.
const unshare = findTool('unshare', 'util-linux');
const tini = findTool('tini-static', 'apt-get install tini');
const asRoot = process.getuid?.() === 0;
if (!asRoot) {
  if (process.env.CI === 'true') throw new Error('the image test must run as root in CI (mount namespaces)');
  process.stderr.write('skipping: staging the image needs root (mount and PID namespaces)\n');
}
const run = unshare && tini && asRoot ? describe : describe.skip;

describe('the Containerfile', () => {
  it('builds on an exactly pinned Node 20, the Node this machine runs the staged image with', () => {
    const bases = new Set(containerfile.stages.map((s) => s.base));
    expect(bases.size).toBe(1);
    const [base] = [...bases];
    const pinned = /node:(20\.\d+\.\d+)-|@sha256:[0-9a-f]{64}$/.exec(base ?? '');
    expect(pinned).not.toBeNull();
    expect(process.versions.node.split('.')[0]).toBe('20');
  });

  it('runs as a non-root numeric user under tini, serving by default', () => {
    const final = containerfile.stages.at(-1);
    expect(final?.instructions.find((i) => i.op === 'USER')?.args).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    expect(JSON.parse(final?.instructions.find((i) => i.op === 'ENTRYPOINT')?.args ?? '[]')).toEqual(['/usr/bin/tini', '--', 'node', '/app/exporter/dist/cli/main.js']);
    expect((JSON.parse(final?.instructions.find((i) => i.op === 'CMD')?.args ?? '[]') as string[])[0]).toBe('serve');
  });
});

run('the staged image', () => {
  let image: StagedImage;
  let child: ChildProcess;
  let output: Output;
  let url: string;

  beforeAll(async () => {
    image = stageImage(containerfile, repo);
    child = startInImage(image, [...image.entrypoint, 'serve', '--web.listen-address=127.0.0.1:0']);
    output = collect(child);
    url = await listeningUrl(child, output);
  });

  afterAll(() => {
    if (child?.exitCode === null) child.kill('SIGKILL');
    if (image) rmSync(image.work, { recursive: true, force: true });
  });

  it('runs as the image\'s user, with tini as PID 1 of its namespace', () => {
    const init = namespaceInit(child);
    expect(readFileSync(`/proc/${init}/comm`, 'utf8').trim()).toBe('tini');
    expect(readFileSync(`/proc/${init}/status`, 'utf8')).toMatch(/^NSpid:\s+\d+\s+1$/m);
    expect(processIds(init)).toEqual({ uid: image.uid, gid: image.gid });
  });

  it('serves /metrics, turns ready, and shows the comparison page at /', async () => {
    await expectServes(url, readFileSync(join(repo, 'panel-plugin', 'dist-standalone', 'index.html'), 'utf8'));
  });

  it('probes with both kinds of the default corpus (guides as TEXT, its own modules as CODE)', async () => {
    await expectBothCorpusKinds(url);
  });

  it('drains and exits 0 on SIGTERM sent to PID 1, as the kubelet sends it', async () => {
    process.kill(namespaceInit(child), 'SIGTERM');
    // The embedded default's shutdownGrace is 10 s; past 30 s the test kills it and the code is null.
    expect(await exitCode(child, 30_000)).toBe(0);
    expect(output.stderr()).toContain('stopping');
  });
});
