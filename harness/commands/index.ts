/** Every subcommand of the CLI. Each module sets process.exitCode itself. */
import type { CommandModule } from 'yargs';

export const commands: CommandModule<any, any>[] = [];
