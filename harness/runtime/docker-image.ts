/**
 * The node image of the docker runtime, built by the harness when missing or stale. Its inputs
 * are docker/Dockerfile, the base image (ARG BASE_IMAGE) and one file: the Db's Node entry
 * script bundled with esbuild (so the build context is ~0.3 MB, not node_modules). The tag is
 * a hash of all three, so a changed node or Dockerfile gets a new image and an unchanged one
 * is reused from the engine's cache. The default base is the offline one made by
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
import { execa } from 'execa';
import { tarOf } from './docker-engine.js';
import { UsageError } from '../../ground/runtime.js';

export const BASE_ENV = 'JEPSEN_TS_DOCKER_BASE';
export const IMAGE_REPO = 'jepsen-ts-node';
/** Where the bundle lives in the image (docker/Dockerfile copies node.mjs there). */
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
 * What the last build from this entry saw: when no input file changed (size and mtime) and the
 * Dockerfile and base are the same, the image tag is known without bundling again, which saves
 * the esbuild start (~0.3-1 s) on every run.
 */
interface BuildRecord {
  entry: string;
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

function cachedTag(entry: string, dockerfile: string, base: string): string | null {
  let rec: BuildRecord;
  try {
    rec = JSON.parse(readFileSync(recordFile(), 'utf8')) as BuildRecord;
  } catch {
    return null;
  }
  if (rec.entry !== entry || rec.dockerfile !== dockerfile || rec.base !== base) return null;
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
  /** The Db's Node entry script (e.g. dist/paxos/main.js). */
  entry: string;
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

/** Returns the tag of an up-to-date node image, building it (and the offline base) if needed. */
export async function ensureNodeImage(docker: Docker, opts: NodeImageOptions): Promise<string> {
  const log = opts.log ?? (() => {});
  const base = opts.baseImage ?? process.env[BASE_ENV] ?? offlineBaseTag();
  let baseId = await imageId(docker, base);
  if (baseId === null && base === offlineBaseTag()) {
    await buildOfflineBase(base, log);
    baseId = await imageId(docker, base);
  }
  const dockerfile = readFileSync(path.join(dockerDir(), 'Dockerfile'));
  const dockerfileHash = createHash('sha256').update(dockerfile).digest('hex');
  const baseRef = `${base}@${baseId ?? 'pull'}`;
  const known = cachedTag(opts.entry, dockerfileHash, baseRef);
  if (known !== null && (await imageId(docker, known)) !== null) return known;

  const bundle = await bundleEntry(opts.entry);
  const hash = createHash('sha256').update(dockerfile).update('\0').update(bundle.code).update('\0').update(baseRef).digest('hex');
  const tag = `${IMAGE_REPO}:${hash.slice(0, 16)}`;
  const record = (): void => {
    const inputs: Record<string, [number, number]> = {};
    for (const f of bundle.inputs) {
      const fp = fingerprint(f);
      if (fp) inputs[f] = fp;
    }
    saveRecord({ entry: opts.entry, dockerfile: dockerfileHash, base: baseRef, inputs, tag });
  };
  if ((await imageId(docker, tag)) !== null) {
    record();
    return tag;
  }

  log(`docker: building the node image ${tag} (base ${base})`);
  const context = await tarOf({ Dockerfile: dockerfile, 'node.mjs': bundle.code });
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

/** The Node entry script of a Db command (`node <script> ...`); the docker runtime bundles it. */
export function nodeEntry(run: { cmd: string; args: string[] }): string {
  const isNode = run.cmd === process.execPath || path.basename(run.cmd) === 'node';
  if (!isNode || !run.args[0] || !/\.(m?js|cjs)$/.test(run.args[0])) {
    throw new UsageError(`the docker runtime runs Node entry scripts (node <script.js> ...), got: ${run.cmd} ${run.args[0] ?? ''}`);
  }
  return run.args[0];
}
