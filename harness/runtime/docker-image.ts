/**
 * The node image of the docker runtime, built by the harness when missing or stale. Its inputs
 * are docker/Dockerfile, the base image (ARG BASE_IMAGE) and the files it copies: a Node Db's
 * entry script bundled with esbuild (so the build context is ~0.3 MB, not node_modules), and
 * the host files a Db lists in Db.docker.files (a native binary such as etcd, run as is). The
 * tag is a hash of all of them, so a changed node, file or Dockerfile gets a new image and an
 * unchanged one is reused from the engine's cache. The default base is the offline one made by
 * docker/build-base.sh (run here when it is missing); users with a registry set
 * JEPSEN_TS_DOCKER_BASE=node:20-bookworm-slim (or any Node 20 Debian image).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import type { DockerImageFile } from '../../ground/db.js';
import { execa } from 'execa';
import { tarOf } from './docker-engine.js';
import { UsageError } from '../../ground/runtime.js';

export const BASE_ENV = 'JEPSEN_TS_DOCKER_BASE';
export const IMAGE_REPO = 'jepsen-ts-node';
/** Where the bundle lives in the image (docker/Dockerfile copies the context's root/ to /). */
export const BUNDLE_IN_IMAGE = '/opt/jepsen-ts/node.mjs';

/** The tag docker/build-base.sh gives the offline base for this machine's Node. */
export function offlineBaseTag(): string {
  return `jepsen-ts-base:bookworm-node${process.versions.node}`;
}

/** The directory holding docker/Dockerfile (works from harness/ and from dist/harness/). */
export function dockerDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'docker', 'Dockerfile'))) return path.join(dir, 'docker');
    const up = path.dirname(dir);
    if (up === dir) throw new Error('docker/Dockerfile not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

export interface Bundle {
  code: Buffer;
  /** Every source file the bundle was made from (absolute path). */
  inputs: string[];
}

/** Bundles a Node entry script and everything it imports into one ESM file. */
export async function bundleEntry(entry: string): Promise<Bundle> {
  if (!existsSync(entry)) throw new UsageError(`the node entry script ${entry} does not exist (run \`npm run build\` first)`);
  const esbuild = await import('esbuild');
  const out = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: path.dirname(dockerDir()),
    // CommonJS dependencies (yargs' helpers) call require(); give the ESM bundle one.
    banner: { js: "import { createRequire as __jtCreateRequire } from 'node:module'; const require = __jtCreateRequire(import.meta.url);" },
  });
  const root = path.dirname(dockerDir());
  return { code: Buffer.from(out.outputFiles[0].contents), inputs: Object.keys(out.metafile.inputs).map((f) => path.resolve(root, f)) };
}

/**
 * What the last build with these inputs saw: when no input file changed (size and mtime) and
 * the Dockerfile and base are the same, the image tag is known without bundling or reading the
 * files again, which saves the esbuild start (~0.3-1 s) or hashing a 20 MB binary on every run.
 */
interface BuildRecord {
  /** The entry script and the files' specs, as one string. */
  key: string;
  dockerfile: string;
  base: string;
  inputs: Record<string, [number, number]>;
  tag: string;
}

function recordFile(): string {
  return path.join(tmpdir(), 'jepsen-ts', 'node-image.json');
}

function fingerprint(file: string): [number, number] | null {
  try {
    const st = statSync(file);
    return [st.size, st.mtimeMs];
  } catch {
    return null;
  }
}

function cachedTag(key: string, dockerfile: string, base: string): string | null {
  let rec: BuildRecord;
  try {
    rec = JSON.parse(readFileSync(recordFile(), 'utf8')) as BuildRecord;
  } catch {
    return null;
  }
  if (rec.key !== key || rec.dockerfile !== dockerfile || rec.base !== base) return null;
  for (const [file, fp] of Object.entries(rec.inputs)) {
    const now = fingerprint(file);
    if (!now || now[0] !== fp[0] || now[1] !== fp[1]) return null;
  }
  return rec.tag;
}

function saveRecord(rec: BuildRecord): void {
  try {
    mkdirSync(path.dirname(recordFile()), { recursive: true });
    const tmp = `${recordFile()}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(rec));
    renameSync(tmp, recordFile());
  } catch {
    // only a cache: the next run bundles again
  }
}

async function imageId(docker: Docker, ref: string): Promise<string | null> {
  try {
    return (await docker.getImage(ref).inspect()).Id;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return null;
    throw err;
  }
}

export interface NodeImageOptions {
  /** A Node entry script (e.g. dist/paxos/main.js), bundled to BUNDLE_IN_IMAGE; none for a native Db. */
  entry?: string | null;
  /** Host files copied into the image (Db.docker.files). */
  files?: DockerImageFile[];
  /** Base image; default $JEPSEN_TS_DOCKER_BASE, else the offline base. */
  baseImage?: string;
  /** Progress lines (base and image builds). */
  log?: (line: string) => void;
}

/** Builds the offline base with docker/build-base.sh (needs debootstrap and root; ~1.5 min, once). */
async function buildOfflineBase(tag: string, log: (line: string) => void): Promise<void> {
  log(`docker: building the offline base image ${tag} with docker/build-base.sh (once, about 1.5 min)`);
  const r = await execa('bash', [path.join(dockerDir(), 'build-base.sh'), tag], { reject: false, all: true });
  if (r.exitCode !== 0) {
    const tail = String(r.all ?? '').trim().split('\n').slice(-3).join(' | ');
    throw new UsageError(`--runtime docker: the offline base image ${tag} could not be built by docker/build-base.sh (${tail}); set ${BASE_ENV} to a Node 20 Debian image your engine can pull`);
  }
}

/** One file of the build context: its path in the image, contents and mode. */
interface ImageContent {
  to: string;
  body: Buffer;
  mode: number;
}

/** Reads the Db's files; a missing one is a usage error naming it. */
function readImageFiles(files: DockerImageFile[]): ImageContent[] {
  return files.map((f) => {
    if (!path.posix.isAbsolute(f.to) || f.to.split('/').includes('..')) throw new UsageError(`Db.docker.files: "to" must be an absolute path in the image, got ${f.to}`);
    try {
      return { to: f.to, body: readFileSync(f.from), mode: f.mode ?? statSync(f.from).mode & 0o7777 };
    } catch (err) {
      throw new UsageError(`Db.docker.files: cannot read ${f.from} (${(err as Error).message.split('\n')[0]})`);
    }
  });
}

/** Returns the tag of an up-to-date node image, building it (and the offline base) if needed. */
export async function ensureNodeImage(docker: Docker, opts: NodeImageOptions): Promise<string> {
  const log = opts.log ?? (() => {});
  const files = opts.files ?? [];
  if (!opts.entry && files.length === 0) throw new Error('a node image needs an entry script or files');
  const base = opts.baseImage ?? process.env[BASE_ENV] ?? offlineBaseTag();
  let baseId = await imageId(docker, base);
  if (baseId === null && base === offlineBaseTag()) {
    await buildOfflineBase(base, log);
    baseId = await imageId(docker, base);
  }
  const dockerfile = readFileSync(path.join(dockerDir(), 'Dockerfile'));
  const dockerfileHash = createHash('sha256').update(dockerfile).digest('hex');
  const baseRef = `${base}@${baseId ?? 'pull'}`;
  const key = JSON.stringify({ entry: opts.entry ?? null, files: files.map((f) => [path.resolve(f.from), f.to, f.mode ?? null]) });
  const known = cachedTag(key, dockerfileHash, baseRef);
  if (known !== null && (await imageId(docker, known)) !== null) return known;

  const contents = readImageFiles(files);
  const inputs = files.map((f) => path.resolve(f.from));
  if (opts.entry) {
    const bundle = await bundleEntry(opts.entry);
    contents.push({ to: BUNDLE_IN_IMAGE, body: bundle.code, mode: 0o644 });
    inputs.push(...bundle.inputs);
  }
  contents.sort((a, b) => (a.to < b.to ? -1 : a.to > b.to ? 1 : 0));
  // Every input: the Dockerfile, each file's place, mode and contents, and the base's id.
  const h = createHash('sha256').update(dockerfile).update('\0');
  for (const c of contents) h.update(`${c.to}\0${c.mode.toString(8)}\0`).update(c.body).update('\0');
  const tag = `${IMAGE_REPO}:${h.update(baseRef).digest('hex').slice(0, 16)}`;
  const record = (): void => {
    const fps: Record<string, [number, number]> = {};
    for (const f of inputs) {
      const fp = fingerprint(f);
      if (fp) fps[f] = fp;
    }
    saveRecord({ key, dockerfile: dockerfileHash, base: baseRef, inputs: fps, tag });
  };
  if ((await imageId(docker, tag)) !== null) {
    record();
    return tag;
  }

  log(`docker: building the node image ${tag} (base ${base})`);
  const context = await tarOf({ Dockerfile: dockerfile, ...Object.fromEntries(contents.map((c) => [`root${c.to}`, { body: c.body, mode: c.mode }])) });
  const stream = await docker.buildImage(Readable.from([context]), {
    t: tag,
    buildargs: { BASE_IMAGE: base },
    labels: { 'org.jepsen-ts.image': 'node' },
    rm: true,
    forcerm: true,
  });
  const events = await new Promise<Array<{ error?: string; stream?: string }>>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null, res: Array<{ error?: string }>) => (err ? reject(err) : resolve(res))),
  );
  const failed = events.find((e) => e.error);
  if (failed) {
    const tail = events.map((e) => e.stream ?? '').join('').trim().split('\n').slice(-2).join(' | ');
    throw new UsageError(`--runtime docker: building the node image failed: ${failed.error!.trim()} (${tail}); with no registry, leave ${BASE_ENV} unset to use the offline base`);
  }
  if ((await imageId(docker, tag)) === null) throw new Error(`docker build reported success but ${tag} does not exist`);
  record();
  return tag;
}

/**
 * How a Db command runs in a container. A `cmd` that is one of the Db's files' `from` runs as
 * its `to`, args unchanged (no bundle); else it must be `node <script> ...`, whose script is
 * bundled (entry) and run as BUNDLE_IN_IMAGE.
 */
export function containerCommand(run: { cmd: string; args: string[] }, files: DockerImageFile[] = []): { entry: string | null; argv: string[] } {
  const copied = files.find((f) => path.resolve(f.from) === path.resolve(run.cmd));
  if (copied) return { entry: null, argv: [copied.to, ...run.args] };
  const isNode = run.cmd === process.execPath || path.basename(run.cmd) === 'node';
  if (!isNode || !run.args[0] || !/\.(m?js|cjs)$/.test(run.args[0])) {
    throw new UsageError(`the docker runtime runs Node entry scripts (node <script.js> ...) or a command the Db copies into the image (Db.docker.files), got: ${run.cmd} ${run.args[0] ?? ''}`);
  }
  return { entry: run.args[0], argv: ['node', BUNDLE_IN_IMAGE, ...run.args.slice(1)] };
}
