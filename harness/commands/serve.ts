/**
 * `jepsen-ts serve [--port 8080] [--host 127.0.0.1] [--results DIR]`: browse the results store
 * (an index of every run, their reports and files). Binds to loopback unless told otherwise.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { UsageError } from '../../ground/runtime.js';
import { EXIT } from '../../ground/exit.js';

interface ServeArgs {
  port: unknown;
  host: unknown;
  results: unknown;
}

/** Defaults are applied here, not by yargs, so that a flag given without a value is an error. */
export function validateServeArgs(given: ServeArgs): { port: number; host: string; resultsDir: string } {
  const argv = { port: given.port ?? '8080', host: given.host ?? '127.0.0.1', results: given.results ?? 'results' };
  const port = Number(argv.port);
  if (typeof argv.port === 'boolean' || argv.port === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port must be an integer 0..65535 (0 picks a free port), got ${JSON.stringify(argv.port)}`);
  }
  if (typeof argv.host !== 'string' || argv.host.trim() === '') throw new UsageError('--host must be a host name or address');
  if (typeof argv.results !== 'string' || argv.results === '') throw new UsageError('--results must be a directory');
  const resultsDir = resolve(argv.results);
  if (!existsSync(resultsDir) || !statSync(resultsDir).isDirectory()) throw new UsageError(`--results ${argv.results}: no such directory`);
  return { port, host: argv.host, resultsDir };
}

export const serveCommand: CommandModule<object, ServeArgs> = {
  command: 'serve',
  describe: 'serve the results store: an index of all runs, their reports and files',
  builder: (y) => y
    .option('port', { type: 'string', describe: 'TCP port (0 picks a free one) [default: 8080]' })
    .option('host', { type: 'string', describe: 'address to bind (loopback unless told otherwise) [default: 127.0.0.1]' })
    .option('results', { type: 'string', describe: 'directory of the results store [default: results]' }) as never,
  handler: async (argv) => {
    const opts = validateServeArgs(argv);
    let running;
    const { startServer } = await import('../report/server.js'); // with the report and d3: only for this command
    try {
      running = await startServer(opts);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
        throw new UsageError(`cannot listen on ${opts.host}:${opts.port}: ${code}`);
      }
      throw err;
    }
    process.stdout.write(`serving ${opts.resultsDir} at ${running.url} (Ctrl-C stops)\n`);
    await new Promise<void>((done) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void running.close().then(done);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    process.exitCode = EXIT.valid;
  },
};
