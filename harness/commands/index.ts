/** Every subcommand of the CLI. Each module sets process.exitCode itself. */
import type { CommandModule } from 'yargs';
import { checkCommand } from './check.js';
import { reportCommand } from './report.js';
import { serveCommand } from './serve.js';

export const commands: CommandModule<any, any>[] = [
  checkCommand,
  reportCommand,
  serveCommand,
];
