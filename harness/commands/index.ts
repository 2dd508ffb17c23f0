/** Every subcommand of the CLI. Each module sets process.exitCode itself. */
import type { CommandModule } from 'yargs';
import { analyzeCommand } from './analyze.js';
import { checkCommand } from './check.js';
import { indexCommand, mergeCommand } from './merge.js';
import { cleanCommand } from './clean.js';
import { reportCommand } from './report.js';
import { serveCommand } from './serve.js';
import { testAllCommand } from './test-all.js';
import { testCommand } from './test.js';

export const commands: CommandModule<any, any>[] = [
  testCommand,
  testAllCommand,
  analyzeCommand,
  checkCommand,
  reportCommand,
  serveCommand,
  mergeCommand,
  indexCommand,
  cleanCommand,
];
