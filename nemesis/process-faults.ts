/**
 * Process faults: kill (SIGKILL random nodes, restart them on stop) and pause (SIGSTOP random
 * nodes, SIGCONT on stop). Targets are Jepsen's node specs or `leader`, picked at random among
 * the allowed ones each time. Records start-kill / stop-kill and start-pause / stop-pause with the nodes.
 */
import type { NodeName } from '../ground/runtime.js';
import type { Nemesis, NemesisContext } from '../ground/nemesis.js';
import { resolveTargets, type NodeTarget } from './targets.js';

export interface Fault {
  name: string;
  inject(ctx: NemesisContext, node: NodeName): Promise<void>;
  undo(ctx: NemesisContext, node: NodeName): Promise<void>;
}

/** A fault done to each targeted node on start and undone on stop (kill, pause, disk faults). */
export function processFault(fault: Fault, targets: NodeTarget[]): Nemesis {
  if (targets.length === 0) throw new Error(`${fault.name} nemesis needs at least one target`);
  let hit: NodeName[] = [];
  const stop = async (ctx: NemesisContext) => {
    if (hit.length === 0) return;
    const results = await Promise.allSettled(hit.map((n) => fault.undo(ctx, n)));
    const failed = hit.filter((_, i) => results[i].status === 'rejected');
    const undone = hit.filter((n) => !failed.includes(n));
    hit = failed; // retried by the next stop
    ctx.record(`stop-${fault.name}`, undone);
    if (failed.length > 0) {
      const why = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
      throw new Error(`stop-${fault.name} failed for ${failed.join(', ')}: ${why.join('; ')}`);
    }
  };
  return {
    name: fault.name,
    async start(ctx) {
      await stop(ctx);
      const { nodes, detail } = await resolveTargets(targets, ctx);
      hit = nodes.slice();
      await Promise.all(nodes.map((n) => fault.inject(ctx, n)));
      ctx.record(`start-${fault.name}`, nodes);
      ctx.injected?.(fault.name, detail);
    },
    stop,
  };
}

/** Default picks; `leader` joins them when the Db can name its leader (compose.ts). */
export const KILL_TARGETS: NodeTarget[] = ['one', 'minority'];
export const PAUSE_TARGETS: NodeTarget[] = ['one', 'minority', 'majority'];

export function killNemesis(targets: NodeTarget[] = KILL_TARGETS): Nemesis {
  return processFault(
    { name: 'kill', inject: (ctx, n) => ctx.runtime.kill(n), undo: (ctx, n) => ctx.runtime.start(n) },
    targets,
  );
}

export function pauseNemesis(targets: NodeTarget[] = PAUSE_TARGETS): Nemesis {
  return processFault(
    { name: 'pause', inject: (ctx, n) => ctx.runtime.pause(n), undo: (ctx, n) => ctx.runtime.resume(n) },
    targets,
  );
}
