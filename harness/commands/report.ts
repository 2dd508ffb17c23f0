/**
 * `jepsen-ts report RUN_DIR`: (re)generates RUN_DIR/report.html from the stored run, e.g.
 * after a harness upgrade or for a run whose harness crashed before writing it.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { UsageError } from '../../ground/runtime.js';
import { EXIT } from '../../ground/exit.js';

export const reportCommand: CommandModule<object, { runDir: unknown }> = {
  command: 'report <run-dir>',
  describe: 'regenerate report.html of a stored run (e.g. results/latest)',
  builder: (y) => y.positional('run-dir', { type: 'string', describe: 'the run directory' }) as never,
  handler: async (argv) => {
    const given = argv.runDir;
    if (typeof given !== 'string' || given === '') throw new UsageError('name a run directory, e.g. jepsen-ts report results/latest');
    const dir = resolve(given);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${given}: no such directory`);
    if (!existsSync(join(dir, 'history.jsonl')) && !existsSync(join(dir, 'test.json'))) {
      throw new UsageError(`${given} is not a run directory (it has neither test.json nor history.jsonl)`);
    }
    let path: string;
    const { writeReport } = await import('../report/index.js'); // with d3: only for this command
    try {
      path = await writeReport(dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') throw new UsageError(`cannot write the report into ${given}: ${code}`);
      throw err;
    }
    process.stdout.write(`${path}\n`);
    process.exitCode = EXIT.valid;
  },
};
