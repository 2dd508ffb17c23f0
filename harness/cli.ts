/**
 * The jepsen-ts command line: one yargs command module per subcommand in harness/commands/.
 * Bad arguments print one line and exit 254; a crash of the harness itself exits 255.
 */
import yargs from 'yargs';
import type { CommandModule } from 'yargs';
import { EXIT } from '../ground/exit.js';
import { UsageError } from '../ground/runtime.js';
import { commands } from './commands/index.js';
import { fileErrorLine } from './store.js';

export async function main(argv: string[]): Promise<void> {
  const cli = yargs(argv)
    .scriptName('jepsen-ts')
    .strict()
    .demandCommand(1, 'name a command: jepsen-ts --help lists them')
    .recommendCommands()
    .help()
    .version(false)
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .fail((msg, err) => {
      // yargs reports its own argument errors (requiresArg, choices, ...) as a YError, with or
      // without msg; a handler's error reaches here too and only a UsageError of ours is the
      // user's fault. Anything else is a crash (255), reported below.
      if (err && !isUsageError(err) && err.name !== 'YError') throw err;
      usage(msg || err?.message || 'bad arguments');
    });
  for (const command of commands as CommandModule[]) cli.command(command);
  skipHelpCaching(cli);
  try {
    await cli.parseAsync();
  } catch (err) {
    if (isUsageError(err) || (err as Error)?.name === 'YError') usage((err as Error).message);
    process.stderr.write(`jepsen-ts: crashed: ${fileErrorLine(err) ?? (err as Error).stack ?? String(err)}\n`);
    process.exit(EXIT.crash);
  }
}

/**
 * yargs renders the running command's whole help text (cliui, string-width) right after it
 * starts an async handler, in case that handler later calls showHelp(); ours never do, and
 * argument errors are one line (see .fail() above). For `test` that is 50-140 ms of CPU spent
 * before the handler resumes from its first await, i.e. while the user waits for the first op
 * (bench:startup). The hook is internal: a yargs without it is left as it is.
 */
export function skipHelpCaching(cli: object): void {
  type Usage = { cacheHelpMessage?: () => void };
  const internals = cli as { getInternalMethods?: () => { getUsageInstance?: () => Usage } };
  const usage = internals.getInternalMethods?.().getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
}

/** One line on stderr, exit 254: what every argument error looks like. */
function usage(message: string): never {
  const line = message.split('\n').find((l) => l.trim() !== '') ?? 'bad arguments';
  process.stderr.write(`jepsen-ts: ${line.trim()}\n`);
  process.exit(EXIT.usage);
}

/**
 * A UsageError of ours, also one thrown by a test module that tsx loaded from the sources (in
 * this repo, examples/ import index.ts, whose UsageError is another class than dist's).
 */
function isUsageError(err: unknown): boolean {
  return err instanceof UsageError || (err as Error)?.name === 'UsageError';
}
