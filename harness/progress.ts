/**
 * Live progress of a run. On a TTY: one status line redrawn in place (elapsed / limit, phase,
 * ok/fail/info counts, the faults in force). Elsewhere (CI, pipes): a plain line every few
 * seconds, with no control characters. Messages and the final verdict are always plain lines.
 * It also measures the main phase's achieved rate (rateLines: the summary's rate line).
 */
import type { Op } from '../ground/history.js';

/** The main phase's client ops against --rate (results.json `rate`). */
export interface RateSummary {
  /** --rate: ops/s asked for; 0 = unlimited. */
  requested: number;
  /** --concurrency: client threads, each with one op outstanding. */
  concurrency: number;
  /** Client invocations and completions recorded during the main phase. */
  invoked: number;
  completed: number;
  /** The main phase's length, from its first slot to its last completion. */
  seconds: number;
  /** invoked / seconds. */
  achieved: number;
}

/** Short of --rate by more than this fraction: the summary warns. */
const RATE_SHORTFALL = 0.1;

const thousands = (n: number) => Math.round(n).toLocaleString('en-US');

/** The summary's rate line, and a warning line when a requested rate was not met. */
export function rateLines(rate: RateSummary): string[] {
  const achieved = `${thousands(rate.achieved)} ops/s`;
  if (rate.requested === 0) return [`rate: ${achieved} (unlimited requested)`];
  const share = rate.achieved / rate.requested;
  const lines = [`rate: ${achieved} of ${thousands(rate.requested)} requested (${Math.round(share * 100)}%)`];
  if (share < 1 - RATE_SHORTFALL) {
    lines.push(`warning: --rate ${thousands(rate.requested)} not met (${achieved} invoked): ${rate.concurrency} --concurrency thread${rate.concurrency === 1 ? '' : 's'}, one op outstanding each, ${rate.concurrency === 1 ? 'was' : 'were'} too few for the system's latency`);
  }
  return lines;
}

export interface ProgressOptions {
  out: NodeJS.WritableStream & { isTTY?: boolean };
  timeLimitMs: number;
  /** Plain-line period when not a TTY. */
  plainEveryMs?: number;
}

export class Progress {
  /** The main phase's start: elapsed / limit measures the main phase. */
  private startMs = performance.now();
  private readonly counts = { ok: 0, fail: 0, info: 0 };
  /** The main phase's client ops and its end (null until it ends). */
  private readonly main = { invoked: 0, completed: 0, started: false, endMs: null as number | null };
  private readonly faults = new Set<string>();
  private phase = 'setup';
  private timer: NodeJS.Timeout | undefined;
  private lineShown = false;
  private readonly tty: boolean;

  constructor(private readonly opts: ProgressOptions) {
    this.tty = opts.out.isTTY === true && process.env.TERM !== 'dumb';
  }

  start(): void {
    const every = this.tty ? 250 : (this.opts.plainEveryMs ?? 5000);
    this.timer = setInterval(() => this.draw(), every);
    this.timer.unref();
  }

  setPhase(phase: string): void {
    if (phase === 'main') {
      this.startMs = performance.now();
      this.main.started = true;
    } else if (this.phase === 'main') this.main.endMs = performance.now();
    this.phase = phase;
    if (!this.tty) this.message(`phase: ${phase}`);
  }

  /** Feed every history op here. */
  onOp(op: Op): void {
    if (op.process === 'nemesis') {
      const m = /^(start|stop)-(.+)$/.exec(op.f);
      if (m) {
        if (m[1] === 'start') this.faults.add(m[2]);
        else this.faults.delete(m[2]);
      }
      return;
    }
    if (this.phase === 'main') this.main[op.type === 'invoke' ? 'invoked' : 'completed']++;
    if (op.type !== 'invoke') this.counts[op.type]++;
  }

  /** The main phase's client ops and length so far; null before it began. */
  mainPhase(): { invoked: number; completed: number; seconds: number } | null {
    if (!this.main.started) return null;
    const seconds = ((this.main.endMs ?? performance.now()) - this.startMs) / 1000;
    return { invoked: this.main.invoked, completed: this.main.completed, seconds };
  }

  /** A plain line (clears the live line first on a TTY). */
  message(text: string): void {
    this.clearLine();
    this.opts.out.write(`${text}\n`);
    if (this.tty && this.timer) this.draw();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clearLine();
  }

  statusLine(): string {
    const elapsed = (performance.now() - this.startMs) / 1000;
    const limit = this.opts.timeLimitMs / 1000;
    const faults = this.faults.size ? [...this.faults].join(',') : 'none';
    // Before the main phase the clock measures setup, which has no limit.
    const clock = this.phase === 'setup' ? `[setup ${elapsed.toFixed(1)}s]` : `[${elapsed.toFixed(1)}s / ${limit}s]`;
    return `${clock} ${this.phase}  ok ${this.counts.ok}  fail ${this.counts.fail}  info ${this.counts.info}  faults: ${faults}`;
  }

  private draw(): void {
    if (this.tty) {
      this.opts.out.write(`\r\x1b[K${this.statusLine()}`);
      this.lineShown = true;
    } else {
      this.opts.out.write(`${this.statusLine()}\n`);
    }
  }

  private clearLine(): void {
    if (this.tty && this.lineShown) this.opts.out.write('\r\x1b[K');
    this.lineShown = false;
  }
}
