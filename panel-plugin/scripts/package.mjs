// npm run package -w panel-plugin: the built plugin (dist/) as Grafana installs it, a zip whose one
// top-level folder is the plugin id, with its SHA-1 (asked by Grafana's plugin submission form) and
// SHA-256 beside it, in `sha1sum` format.
// Layout: https://grafana.com/developers/plugin-tools/publish-a-plugin/package-a-plugin
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import yazl from 'yazl';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const out = join(root, 'dist-package');

if (!existsSync(join(dist, 'plugin.json'))) {
  console.error('npm run package: dist/plugin.json is missing; run npm run build -w panel-plugin first');
  process.exit(1);
}
const plugin = JSON.parse(readFileSync(join(dist, 'plugin.json'), 'utf8'));
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
if (plugin.info?.version !== version) {
  console.error(`npm run package: dist/plugin.json is version ${plugin.info?.version}, package.json ${version}; rebuild`);
  process.exit(1);
}

const files = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
const name = `${plugin.id}-${version}.zip`;
mkdirSync(out, { recursive: true });

// Fixed times and sorted entries: the same build gives the same zip, and so the same checksums.
const mtime = new Date(Date.UTC(2000, 0, 1));
const zip = new yazl.ZipFile();
zip.addEmptyDirectory(plugin.id, { mtime });
for (const file of files(dist).sort()) zip.addFile(file, `${plugin.id}/${relative(dist, file)}`, { mtime, mode: 0o100644 });
zip.end();
await new Promise((resolve, reject) => zip.outputStream.pipe(createWriteStream(join(out, name))).on('close', resolve).on('error', reject));

const bytes = readFileSync(join(out, name));
for (const algorithm of ['sha1', 'sha256']) {
  writeFileSync(join(out, `${name}.${algorithm}`), `${createHash(algorithm).update(bytes).digest('hex')}  ${name}\n`);
}
console.log(`wrote ${relative(root, join(out, name))} (${bytes.length} bytes) and its .sha1 and .sha256`);
