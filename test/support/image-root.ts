/**
 * The image without a container engine (none runs on these machines): the last stage of the
 * Containerfile staged file for file, then run as the image runs — its entrypoint and numeric user,
 * PID 1 in a new PID namespace, a read-only root filesystem and writable tmpfs only on the VOLUMEs.
 *
 * Where a COPY --from reads a stage:
 * - the stage that copies the whole build context (`COPY . .`) is this repository after `npm run build`;
 * - any other stage is replayed: its COPY lines from the context into a scratch WORKDIR, then its `npm`
 *   RUN lines there (npm may use its cache); its other RUN lines install Debian packages, whose files
 *   are read from this machine, a Debian 12 like the image's base.
 * The root filesystem is an overlay of the staged tree on this machine's `/` (the base image's Debian
 * and Node stand-in), mounted without an upper layer, so nothing but the VOLUMEs can be written.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix } from 'node:path';
import { environment, execForm, last, parseCopy, workdir, type Containerfile, type Stage } from './containerfile.js';

/** What a container's last stage may hold when it is nothing but copies and metadata. */
const METADATA = new Set(['COPY', 'ENV', 'USER', 'VOLUME', 'EXPOSE', 'ENTRYPOINT', 'CMD', 'LABEL']);

export interface StagedImage {
  /** Everything staging wrote (remove it when done). */
  work: string;
  /** The staged root: every path the last stage copies, under this directory. */
  layer: string;
  uid: number;
  gid: number;
  entrypoint: string[];
  cmd: string[];
  volumes: string[];
  env: Record<string, string>;
}

type Resolve = (path: string) => string;

/** A directory as a builder makes it (mkdtemp's are 0700, which would lock the image's user out). */
function makeDir(path: string): string {
  mkdirSync(path, { recursive: true });
  chmodSync(path, 0o755);
  return path;
}

const inside = (dir: string, path: string): boolean => path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);

/** Copies like COPY: a directory's contents into dest, a file to dest (or into it when dest ends with /). */
function copyInto(source: string, dest: string): void {
  const target = statSync(source).isDirectory() || !dest.endsWith('/') ? dest : join(dest, basename(source));
  mkdirSync(statSync(source).isDirectory() ? target : dirname(target), { recursive: true });
  cpSync(source, target, { recursive: true, verbatimSymlinks: true });
}

function contextPath(repo: string, source: string): string {
  const path = join(repo, source);
  if (!existsSync(path)) throw new Error(`${path} is missing (the image copies it; run npm run build first?)`);
  return path;
}

function replayStage(stage: Stage, repo: string, work: string): Resolve {
  const wd = workdir(stage);
  const scratch = makeDir(join(work, `stage-${stage.name ?? 'unnamed'}`));
  const local = (path: string): string => join(scratch, posix.relative(wd, posix.resolve(wd, path)));
  for (const i of stage.instructions) {
    if (i.op === 'COPY') {
      const copy = parseCopy(i);
      if (copy.from !== null) throw new Error(`Containerfile:${i.line}: stage ${stage.name} copies from another stage`);
      for (const s of copy.sources) copyInto(contextPath(repo, s), copy.dest.endsWith('/') ? `${local(copy.dest)}/` : local(copy.dest));
    } else if (i.op === 'RUN' && /^npm\s/.test(i.args)) {
      execFileSync('sh', ['-c', i.args], { cwd: scratch, stdio: 'pipe', env: { ...process.env, npm_config_prefer_offline: 'true' } });
    }
  }
  return (path) => (inside(wd, path) ? local(path) : path);
}

function stageResolver(stage: Stage, repo: string, work: string): Resolve {
  const wd = workdir(stage);
  const copiesContext = stage.instructions.some((i) => i.op === 'COPY' && parseCopy(i).from === null && parseCopy(i).sources.join(' ') === '.');
  if (!copiesContext) return replayStage(stage, repo, work);
  return (path) => {
    if (!inside(wd, path)) throw new Error(`${path} is outside the build stage's WORKDIR ${wd}`);
    return contextPath(repo, posix.relative(wd, path));
  };
}

export function stageImage(file: Containerfile, repo: string): StagedImage {
  const final = file.stages.at(-1);
  if (!final) throw new Error('Containerfile has no stage');
  const other = final.instructions.find((i) => !METADATA.has(i.op));
  if (other) throw new Error(`Containerfile:${other.line}: the last stage runs ${other.op}; only copies can be staged without a builder`);
  const work = makeDir(mkdtempSync(join(tmpdir(), 'kvcanary-image-')));
  const resolvers = new Map<string, Resolve>();
  const resolverFor = (name: string): Resolve => {
    const known = resolvers.get(name);
    if (known) return known;
    const stage = file.stages.find((s) => s.name === name);
    if (!stage) throw new Error(`COPY --from=${name}: no such stage`);
    const made = stageResolver(stage, repo, work);
    resolvers.set(name, made);
    return made;
  };

  const layer = makeDir(join(work, 'layer'));
  for (const i of final.instructions.filter((x) => x.op === 'COPY')) {
    const copy = parseCopy(i);
    for (const s of copy.sources) {
      const source = copy.from === null ? contextPath(repo, s) : resolverFor(copy.from)(s);
      if (!existsSync(source)) throw new Error(`Containerfile:${i.line}: ${s} of stage ${copy.from} is not there (${source})`);
      copyInto(source, join(layer, copy.dest) + (copy.dest.endsWith('/') ? '/' : ''));
    }
  }

  const user = /^(\d+):(\d+)$/.exec(last(final, 'USER')?.args ?? '');
  if (!user) throw new Error('Containerfile: the last stage needs USER uid:gid, both numeric');
  const entrypoint = last(final, 'ENTRYPOINT');
  const cmd = last(final, 'CMD');
  const volume = last(final, 'VOLUME');
  return {
    work,
    layer,
    uid: Number(user[1]),
    gid: Number(user[2]),
    entrypoint: entrypoint ? execForm(entrypoint) : [],
    cmd: cmd ? execForm(cmd) : [],
    volumes: volume ? execForm(volume) : [],
    env: environment(final),
  };
}

/** PATH of the official node images (https://github.com/nodejs/docker-node, Dockerfile ENV of the Debian base). */
const IMAGE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

// Runs inside `unshare --mount --pid --fork`: the mounts are private to it and vanish with it.
const ROOT_SCRIPT = `set -eu
layer=$1 scratch=$2 user=$3 volumes=$4; shift 4
mount -t tmpfs -o mode=0755 kvcanary-image "$scratch"
mkdir "$scratch/layer" "$scratch/root"
cp -a "$layer/." "$scratch/layer/"
mount -t overlay -o "lowerdir=$scratch/layer:/" kvcanary-image "$scratch/root"
mount -t proc proc "$scratch/root/proc"
mount --rbind /dev "$scratch/root/dev"
for v in $volumes; do mount -t tmpfs -o mode=1777 kvcanary-volume "$scratch/root$v"; done
exec chroot --userspec="$user" "$scratch/root" "$@"
`;

/** Starts argv inside the image's root as its user; the child's own PID is what a container runtime signals. */
export function startInImage(image: StagedImage, argv: readonly string[]): ChildProcess {
  if (process.getuid?.() !== 0) throw new Error('running the staged image needs root (mount namespaces)');
  const scratch = mkdtempSync(join(image.work, 'root-'));
  return spawn(
    'unshare',
    ['--mount', '--pid', '--fork', '--kill-child', '--', 'sh', '-c', ROOT_SCRIPT, 'sh', image.layer, scratch, `${image.uid}:${image.gid}`, image.volumes.join(' '), ...argv],
    { env: { PATH: IMAGE_PATH, ...image.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

/** The PID of the process unshare forked: PID 1 of the image's namespace (tini, once exec'd). */
export function namespaceInit(unshare: ChildProcess): number {
  const children = readFileSync(`/proc/${unshare.pid}/task/${unshare.pid}/children`, 'utf8').trim().split(/\s+/);
  const pid = Number(children[0]);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`unshare ${unshare.pid} has no child`);
  return pid;
}

/** Real and effective uid and gid of a process, from /proc. */
export function processIds(pid: number): { uid: number; gid: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1]);
  return { uid: field('Uid'), gid: field('Gid') };
}
