/**
 * The jepsen-ts command line: one yargs command module per subcommand in harness/commands/.
 * Bad arguments print one line and exit 254; a crash of the harness itself exits 255.
 */
import yargs from 'yargs';
import type { CommandModule } from 'yargs';
import { EXIT } from './exit.js';
import { UsageError } from './runtime/runtime.js';
import { commands } from './commands/index.js';

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
      if (err && !(err instanceof UsageError)) throw err;
      process.stderr.write(`jepsen-ts: ${msg ?? err?.message}\n`);
      process.exit(EXIT.usage);
    });
  for (const command of commands as CommandModule[]) cli.command(command);
  try {
    await cli.parseAsync();
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`jepsen-ts: ${err.message}\n`);
      process.exit(EXIT.usage);
    }
    process.stderr.write(`jepsen-ts: crashed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(EXIT.crash);
  }
}
