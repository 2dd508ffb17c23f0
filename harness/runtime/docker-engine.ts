/**
 * The Docker engine as the docker runtime uses it, through dockerode only (so DOCKER_HOST, TLS
 * and remote engines work; nothing here touches the host's namespaces or files): connecting
 * with one clear error, running a command inside a container (exec), moving files in and out
 * of containers (putArchive/getArchive as tar), labels, and sweeping what crashed runs left.
 */
import { hostname } from 'node:os';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import tar from 'tar-stream';
import { UsageError } from '../../ground/runtime.js';
import { pidAlive, processStart } from './sweep.js';

/** Label on every container, network and volume: the run id. */
export const RUN_LABEL = 'org.jepsen-ts.run';
/** Label naming the harness that owns the resource: "<host>/<pid>/<process start>". */
export const OWNER_LABEL = 'org.jepsen-ts.owner';

const PING_TIMEOUT_MS = 5_000;

/** Where dockerode will connect (for messages). */
export function engineAddress(): string {
  return process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
}

/** A client for the engine DOCKER_HOST names (dockerode reads DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH). */
export function connectEngine(): Docker {
  return new Docker();
}

/** Throws a one-line UsageError (exit 254) saying how to start an engine when none answers. */
export async function requireEngine(docker: Docker): Promise<void> {
  try {
    await Promise.race([
      docker.ping(),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${PING_TIMEOUT_MS / 1000} s`)), PING_TIMEOUT_MS).unref()),
    ]);
  } catch (err) {
    const why = ((err as Error).message || String(err)).split('\n')[0];
    throw new UsageError(
      `--runtime docker: cannot reach the Docker engine at ${engineAddress()} (${why}); start one (e.g. \`sudo dockerd &\` or \`sudo systemctl start docker\`) or point DOCKER_HOST at one`,
    );
  }
}

/** The owner label value of this harness process. */
export function ownerLabel(): string {
  return `${hostname()}/${process.pid}/${processStart(process.pid) ?? '?'}`;
}

/** Labels for a resource of run `runId`. */
export function runLabels(runId: string): Record<string, string> {
  return { [RUN_LABEL]: runId, [OWNER_LABEL]: ownerLabel() };
}

/** Whether the harness named by an owner label is gone (only decidable for harnesses on this host). */
export function ownerIsGone(owner: string | undefined): boolean {
  if (!owner) return true;
  const [host, pid, start] = owner.split('/');
  if (host !== hostname()) return false; // another machine's run: not ours to judge
  if (start === '?') return !pidAlive(Number(pid)); // no /proc here: the pid alone must do
  const now = processStart(Number(pid));
  return now === null || now !== start;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs `cmd` in a running container and waits for it; never throws on a non-zero exit. */
export async function execIn(container: Docker.Container, cmd: string[]): Promise<ExecResult> {
  const exec = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  out.on('data', (c: Buffer) => chunks.out.push(c));
  err.on('data', (c: Buffer) => chunks.err.push(c));
  container.modem.demuxStream(stream, out, err);
  await new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', reject);
  });
  const info = await exec.inspect();
  return { exitCode: info.ExitCode ?? -1, stdout: Buffer.concat(chunks.out).toString(), stderr: Buffer.concat(chunks.err).toString() };
}

/** Like execIn, but a non-zero exit throws with the command's stderr. */
export async function execOk(container: Docker.Container, cmd: string[], what: string): Promise<string> {
  const r = await execIn(container, cmd);
  if (r.exitCode !== 0) throw new Error(`${what}: exit ${r.exitCode}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
  return r.stdout;
}

/** A tar archive (in memory) holding `files` (name -> contents). */
export async function tarOf(files: Record<string, string | Buffer | { body: Buffer; mode: number }>, mode = 0o644): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, f] of Object.entries(files)) {
    // A file with its own mode (an executable copied into an image) says so; the rest take `mode`.
    if (typeof f === 'object' && !Buffer.isBuffer(f)) pack.entry({ name, mode: f.mode }, f.body);
    else pack.entry({ name, mode }, typeof f === 'string' ? Buffer.from(f) : f);
  }
  pack.finalize();
  const parts: Buffer[] = [];
  for await (const c of pack as unknown as AsyncIterable<Buffer>) parts.push(c);
  return Buffer.concat(parts);
}

/** Writes files into directory `dir` of a container (created, running or stopped). */
export async function putFiles(container: Docker.Container, dir: string, files: Record<string, string | Buffer>): Promise<void> {
  await container.putArchive(await tarOf(files), { path: dir });
}

/** Reads one regular file out of a container; null when it does not exist. */
export async function getFile(container: Docker.Container, file: string): Promise<Buffer | null> {
  let archive: NodeJS.ReadableStream;
  try {
    archive = await container.getArchive({ path: file });
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return null;
    throw err;
  }
  const extract = tar.extract();
  let found: Buffer | null = null;
  extract.on('entry', (header, body, next) => {
    const parts: Buffer[] = [];
    body.on('data', (c: unknown) => void parts.push(c as Buffer));
    body.on('end', () => {
      if (header.type === 'file' && found === null) found = Buffer.concat(parts);
      next();
    });
    body.resume();
  });
  await new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
    archive.on('error', reject);
    archive.pipe(extract);
  });
  return found;
}

/** Whether an engine error means "already gone" (404) or "already being removed" (409). */
function gone(err: unknown): boolean {
  const code = (err as { statusCode?: number }).statusCode;
  return code === 404 || code === 409;
}

/** Force-removes containers, then networks, then volumes; ignores what is already gone. */
export async function removeResources(docker: Docker, r: { containers: string[]; networks: string[]; volumes: string[] }): Promise<string[]> {
  const errors: string[] = [];
  const attempt = async (what: string, f: () => Promise<unknown>) => {
    try {
      await f();
    } catch (err) {
      if (!gone(err)) errors.push(`${what}: ${(err as Error).message.split('\n')[0]}`);
    }
  };
  await Promise.all(r.containers.map((id) => attempt(`container ${id.slice(0, 12)}`, () => docker.getContainer(id).remove({ force: true, v: true }))));
  await Promise.all(r.networks.map((id) => attempt(`network ${id.slice(0, 12)}`, () => docker.getNetwork(id).remove())));
  await Promise.all(r.volumes.map((name) => attempt(`volume ${name}`, () => docker.getVolume(name).remove({ force: true }))));
  return errors;
}

/** Everything labelled with RUN_LABEL (optionally: of one run), with its owner label. */
export async function labelled(docker: Docker, runId?: string): Promise<Array<{ kind: 'containers' | 'networks' | 'volumes'; id: string; runId: string; owner: string | undefined }>> {
  const filters = JSON.stringify({ label: [runId ? `${RUN_LABEL}=${runId}` : RUN_LABEL] });
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
    docker.listVolumes({ filters }),
  ]);
  return [
    ...containers.map((c) => ({ kind: 'containers' as const, id: c.Id, labels: c.Labels })),
    ...networks.map((n) => ({ kind: 'networks' as const, id: n.Id, labels: n.Labels ?? {} })),
    ...(volumes.Volumes ?? []).map((v) => ({ kind: 'volumes' as const, id: v.Name, labels: v.Labels ?? {} })),
  ].map((x) => ({ kind: x.kind, id: x.id, runId: x.labels[RUN_LABEL], owner: x.labels[OWNER_LABEL] }));
}

/**
 * Removes the resources of runs whose harness is gone (crashed or SIGKILLed): a run of another
 * live harness on this host, or of a harness on another host, is left alone. Returns the run
 * ids swept; `say` hears one line per resource removed and per one that could not be.
 */
export async function sweepDockerLeftovers(docker: Docker, say: (line: string) => void = () => {}): Promise<string[]> {
  const all = await labelled(docker);
  const dead = all.filter((x) => ownerIsGone(x.owner));
  if (dead.length === 0) return [];
  const pick = (k: 'containers' | 'networks' | 'volumes') => dead.filter((x) => x.kind === k).map((x) => x.id);
  const errors = await removeResources(docker, { containers: pick('containers'), networks: pick('networks'), volumes: pick('volumes') });
  for (const x of dead) {
    const name = x.kind === 'volumes' ? x.id : x.id.slice(0, 12);
    if (!errors.some((e) => e.includes(name))) say(`removed docker ${x.kind.slice(0, -1)} ${name} of run ${x.runId}`);
  }
  for (const e of errors) say(`could not remove docker ${e}`);
  return [...new Set(dead.map((x) => x.runId))];
}
