/**
 * `jepsen-ts clean`: removes what dead runs left behind (a harness SIGKILLed together with its
 * leash, a crashed machine): the local runtime's node processes, faultfs helpers and their
 * mounts, and run markers ($TMPDIR/jepsen-ts/runs/), and, when a Docker engine answers, the containers, networks and
 * volumes labelled with a run whose harness is gone. Port reservations of dead harnesses go too,
 * silently (every allocation sweeps them anyway: ports.ts). One line per thing removed, then a summary
 * ("nothing to clean" when there was nothing). A live run, or anything not carrying our marks,
 * is never touched: the sweeps the runtimes do at setup decide (sweep.ts, docker-engine.ts).
 * Exit 0; 1 when something could not be removed (each named on stderr).
 */
import type { CommandModule } from 'yargs';
import { sweepPortReservations } from '../runtime/ports.js';
import { defaultMarkerDir, sweepLeftovers } from '../runtime/sweep.js';

export async function clean(say: (line: string) => void, warn: (line: string) => void): Promise<number> {
  let removed = 0;
  const local = await sweepLeftovers(defaultMarkerDir(), (line) => {
    removed++;
    say(line);
  });
  for (const e of local.errors) warn(`could not clean ${e}`);
  sweepPortReservations();
  let dockerErrors = 0;
  // dockerode loads only here: the engine is asked once, briefly.
  const { connectEngine, requireEngine, sweepDockerLeftovers } = await import('../runtime/docker-engine.js');
  const docker = connectEngine();
  let engine = true;
  await requireEngine(docker).catch(() => (engine = false));
  if (!engine) say('docker: no engine, skipped');
  else {
    await sweepDockerLeftovers(docker, (line) => {
      if (line.startsWith('could not')) {
        dockerErrors++;
        warn(line);
      } else {
        removed++;
        say(line);
      }
    });
  }
  const failed = local.errors.length + dockerErrors;
  say(removed === 0 && failed === 0 ? 'clean: nothing to clean' : `clean: removed ${removed} thing(s)${failed ? `; ${failed} could not be removed` : ''}`);
  return failed ? 1 : 0;
}

export const cleanCommand: CommandModule<object, object> = {
  command: 'clean',
  describe: 'remove what dead runs left behind (node processes, run markers, docker containers/networks/volumes)',
  async handler() {
    process.exitCode = await clean(
      (line) => process.stdout.write(`${line}\n`),
      (line) => process.stderr.write(`jepsen-ts: ${line}\n`),
    );
  },
};
