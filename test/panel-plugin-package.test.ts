/**
 * The Grafana plugin as `grafana cli --pluginUrl`, kube-prometheus-stack's `grafana.plugins` and
 * grafana-operator fetch it: one zip named <id>-<version>.zip whose single top-level folder is the plugin
 * id, holding the built plugin (https://grafana.com/developers/plugin-tools/publish-a-plugin/package-a-plugin),
 * with checksums that match it.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import yauzl from 'yauzl';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const panel = join(repo, 'panel-plugin');

interface PluginJson {
  id: string;
  info: { version: string };
  dependencies: { grafanaDependency: string };
}

/** Every entry of the zip with its content. */
function readZip(path: string): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      const entries = new Map<string, Buffer>();
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName.endsWith('/')) {
          entries.set(entry.fileName, Buffer.alloc(0));
          return zip.readEntry();
        }
        zip.openReadStream(entry, (e, stream) => {
          if (e) return reject(e);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            entries.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(entries));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));

describe('npm run package -w panel-plugin', () => {
  const version = (JSON.parse(readFileSync(join(panel, 'package.json'), 'utf8')) as { version: string }).version;
  const source = JSON.parse(readFileSync(join(panel, 'src', 'plugin.json'), 'utf8')) as PluginJson;
  const name = `${source.id}-${version}.zip`;
  const zipPath = join(panel, 'dist-package', name);
  let entries: Map<string, Buffer>;

  beforeAll(async () => {
    execFileSync('npm', ['run', 'package', '-w', 'panel-plugin'], { cwd: repo, stdio: 'pipe' });
    entries = await readZip(zipPath);
  });

  it('holds one folder named by the plugin id, with the whole built plugin in it', () => {
    expect(new Set([...entries.keys()].map((p) => p.split('/')[0]))).toEqual(new Set([source.id]));
    const dist = join(panel, 'dist');
    for (const file of files(dist)) expect(entries.get(`${source.id}/${relative(dist, file)}`)?.equals(readFileSync(file))).toBe(true);
    expect(entries.has(`${source.id}/module.js`)).toBe(true);
  });

  it('declares the plugin id, the package version and the oldest Grafana it is checked against', () => {
    const plugin = JSON.parse(entries.get(`${source.id}/plugin.json`)?.toString('utf8') ?? '{}') as PluginJson;
    expect(plugin.id).toBe(source.id);
    expect(plugin.info.version).toBe(version);
    expect(plugin.dependencies.grafanaDependency).toBe(source.dependencies.grafanaDependency);
  });

  it('writes SHA-1 and SHA-256 checksums of the zip in sha1sum / sha256sum format', () => {
    const bytes = readFileSync(zipPath);
    for (const algorithm of ['sha1', 'sha256']) {
      const line = readFileSync(`${zipPath}.${algorithm}`, 'utf8');
      expect(line).toBe(`${createHash(algorithm).update(bytes).digest('hex')}  ${name}\n`);
    }
  });

  it('is the same zip, byte for byte, when packaged again from the same build', () => {
    const first = readFileSync(`${zipPath}.sha256`, 'utf8');
    execFileSync('npm', ['run', 'package', '-w', 'panel-plugin'], { cwd: repo, stdio: 'pipe' });
    expect(readFileSync(`${zipPath}.sha256`, 'utf8')).toBe(first);
  });
});
