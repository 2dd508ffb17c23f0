/**
 * Nemesis: a schedule of faults. Each fault kind (partition, kill, pause, clock, packet) is
 * written once against the Runtime interface; `--nemesis a,b` composes them by name.
 * Every fault start and stop is recorded in the history as a `nemesis` info op.
 */
import type { Rng } from './rng.js';
import type { NodeName, Runtime } from './runtime.js';

/** What a nemesis acts through: the runtime, the nodes, a seeded Rng, the history. */
export interface NemesisContext {
  runtime: Runtime;
  nodes: NodeName[];
  rng: Rng;
  /** Appends `{process: 'nemesis', type: 'info', f, value}` to the history. */
  record(f: string, value: unknown): void;
  /** Asks the Db which node leads (for the `leader` partition shape); null when unknown. */
  leader(): Promise<NodeName | null>;
  /**
   * Counts one injected fault for the run's fault coverage: its kind and what it hit (a
   * partition shape, a target spec such as `minority` or `leader`, a clock mode).
   */
  injected?(kind: string, detail: string): void;
  /** Lifts the clients' --rate limit (true) or puts it back (false): the burst nemesis. */
  burst?(on: boolean): void;
  /** Set on the stops that end the main phase: heal everything, start nothing new. */
  lastStop?: boolean;
}

/** One kind of fault: start injects one, stop heals every one in force. */
export interface Nemesis {
  /** e.g. 'partition' */
  name: string;
  /** Injects one fault (and records `start-<name>`). */
  start(ctx: NemesisContext): Promise<void>;
  /** Undoes every fault of this kind that is in force (and records `stop-<name>`). No-op when none. */
  stop(ctx: NemesisContext): Promise<void>;
}
