/**
 * One node of the local runtime as an OS process: spawned detached (its own process group, so
 * SIGKILL/SIGSTOP/SIGCONT reach its grandchildren too), stdout/stderr appended to files in its
 * node dir, and readiness judged by the Db while watching for an early exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, openSync, readFileSync } from 'node:fs';
import type { Leash } from './leash.js';
import { groupMembers } from './sweep.js';

export interface SpawnSpec {
  cmd: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  stdoutFile: string;
  stderrFile: string;
  /** Holds the node's process group while it runs, to kill it if the harness dies (leash.ts). */
  leash?: Leash;
}

export class NodeProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private exitInfo: string | null = null;
  private paused = false;

  constructor(readonly name: string, private readonly spec: SpawnSpec) {}

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  get running(): boolean {
    return this.child !== null && this.exitInfo === null;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Spawns the process; resolves once it has a pid (not once it is ready). */
  spawn(): number {
    if (this.running) throw new Error(`node ${this.name} is running already (pid ${this.pid})`);
    const out = openSync(this.spec.stdoutFile, 'a');
    const err = openSync(this.spec.stderrFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(this.spec.cmd, this.spec.args, {
        cwd: this.spec.cwd,
        env: this.spec.env,
        detached: true,
        stdio: ['ignore', out, err],
      });
    } finally {
      closeSync(out);
      closeSync(err);
    }
    this.child = child;
    this.note(`started, pid ${child.pid}`);
    this.exitInfo = null;
    this.paused = false;
    this.exited = new Promise<void>((resolve) => {
      child.once('error', (e) => {
        this.exitInfo = `could not start: ${e.message}`;
        resolve();
      });
      child.once('exit', (code, signal) => {
        this.exitInfo = signal ? `killed by ${signal}` : `exited with code ${code}`;
        resolve();
      });
    });
    if (child.pid === undefined) throw new Error(`node ${this.name}: could not spawn ${this.spec.cmd}`);
    const { leash } = this.spec;
    if (leash) {
      const pid = child.pid;
      leash.hold(pid);
      child.once('exit', () => leash.release(pid));
    }
    return child.pid;
  }

  /** Resolves when `ready` does; rejects if the process exits first or the deadline passes. */
  async waitReady(ready: (signal: AbortSignal) => Promise<void>, timeoutMs: number): Promise<void> {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(new Error('timeout')), timeoutMs);
    // A Db's ready() that rejects with the signal's reason must not hide which node and why.
    const timedOut = () => new Error(`node ${this.name} not ready after ${timeoutMs} ms${this.stderrTail()}`);
    try {
      await Promise.race([
        ready(ac.signal).catch((err: unknown) => {
          throw ac.signal.aborted ? timedOut() : err;
        }),
        this.exited.then(() => {
          throw new Error(`node ${this.name} ${this.exitInfo} before it was ready${this.stderrTail()}`);
        }),
        new Promise<never>((_, reject) =>
          ac.signal.addEventListener('abort', () => reject(timedOut())),
        ),
      ]);
    } finally {
      clearTimeout(timer);
      ac.abort();
    }
  }

  /** SIGKILL to the whole process group; resolves once the leader is reaped and the group is gone. */
  async kill(): Promise<void> {
    const pid = this.pid;
    if (pid === null || !this.running) return;
    this.groupSignal('SIGKILL');
    await this.exited;
    this.note(`SIGKILL to process group ${pid}`);
    this.paused = false;
    await waitGroupGone(pid, 5000);
  }

  pause(): void {
    if (!this.running) return;
    this.groupSignal('SIGSTOP');
    this.paused = true;
    this.note('SIGSTOP (paused)');
  }

  resume(): void {
    if (!this.running) return;
    this.groupSignal('SIGCONT');
    this.paused = false;
    this.note('SIGCONT (resumed)');
  }

  /** A line in the node's stderr log, so a reader sees where the harness acted on the process. */
  private note(what: string): void {
    try {
      appendFileSync(this.spec.stderrFile, `=== jepsen-ts ${new Date().toISOString()} ${this.name}: ${what}\n`);
    } catch {
      // the log is a convenience; a full disk must not fail a fault
    }
  }

  private groupSignal(sig: NodeJS.Signals): void {
    try {
      process.kill(-this.pid!, sig);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
  }

  stderrTail(): string {
    try {
      const lines = readFileSync(this.spec.stderrFile, 'utf8').trim().split('\n');
      const text = lines.filter((l) => !l.startsWith('=== jepsen-ts ')).slice(-5).join('\n  ');
      return text ? `; stderr (${this.spec.stderrFile}):\n  ${text}` : '';
    } catch {
      return '';
    }
  }
}

/** Waits until no live process is left in process group `pgid` (grandchildren included). */
async function waitGroupGone(pgid: number, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (groupMembers(pgid).length > 0) {
    if (Date.now() > end) throw new Error(`process group ${pgid} survived SIGKILL: ${groupMembers(pgid).join(', ')}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
