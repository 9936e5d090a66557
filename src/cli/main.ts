import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { version } from '../version.js';
import { reportError } from './command.js';
import { commands } from './commands/index.js';

/**
 * The `tfdistill` command line: registers the commands (each a thin layer over the library API in
 * `src/cli/commands/<name>.ts`). Exit codes: 0 success, 1 a user error (one line + hint), 2 bad arguments.
 *
 * The bin entry (`./index.ts`) calls it with `process.argv`; tests and the in-process fuzz target call it with their
 * own arguments. It sets `process.exitCode` (1) for user errors and calls `process.exit` (2) for bad arguments and
 * (through yargs) after `--help` / `--version`.
 *
 * @example
 * ```sh
 * npx tfdistill train --teacher t/ --data train.csv --student-dim 256
 * ```
 * @example
 * ```ts
 * await main(['eval', 'student/', 'test.csv', '--json']);
 * ```
 */
export async function main(argv: string[] = hideBin(process.argv)): Promise<void> {
  const cli = yargs(argv)
    .scriptName('tfdistill')
    .usage('$0 <command> [options]\n\nKnowledge distillation for TensorFlow.js: train a small, fast student from a big teacher.')
    .option('verbose', { type: 'boolean', describe: 'Print stack traces for errors', default: false })
    .strict()
    .demandCommand(1, 'Name a command (see the list above).')
    .recommendCommands()
    .version(version)
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((msg, err) => {
      if (err) throw err;
      console.error(`tfdistill: ${msg}`);
      console.error('hint: run with --help for the options and examples');
      process.exit(2);
    });
  for (const command of commands) cli.command(command as never);
  try {
    await cli.parseAsync();
  } catch (err) {
    reportError(err, argv.includes('--verbose'));
    process.exitCode = 1;
  }
}
