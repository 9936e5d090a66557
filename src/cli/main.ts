import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { version } from '../version.js';
import { reportError } from './command.js';
import { commands } from './commands/index.js';

/**
 * The `tfdistill` command line: registers the commands (each a thin layer over the library API in
 * `src/cli/commands/<name>.ts`). Exit codes: 0 success, 1 a user error (one line + hint), 2 bad arguments (an unknown
 * or missing option, a bad choice, a one-value option given twice).
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
  let repeated: string | undefined;
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
    // Repeats are spotted on the raw values (before `coerce` turns e.g. --batch-sizes 1,8 into an array) and reported
    // by the check, whose message yargs hands to .fail as bad arguments (exit 2).
    .middleware(
      ((args: Record<string, unknown>, y: { getOptions(): OptionsSeen }) => {
        repeated = repeatedOption(args, y.getOptions());
      }) as never,
      true,
    )
    .check(() => repeated ?? true, true)
    .fail((msg, err) => {
      // An Error here escaped a handler or a check; a string is a check's verdict on the arguments (exit 2).
      if (err instanceof Error) throw err;
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

/** The part of yargs' `getOptions()` {@link repeatedOption} reads: every declared key, and those declared as arrays. */
interface OptionsSeen {
  key: Record<string, unknown>;
  array: string[];
}

/**
 * Names an option given more than once that takes one value (`--data a.csv --data b.csv`): yargs collects the values
 * into an array the command would otherwise receive as its path or number. Options declared as arrays
 * (`--exclude`, `--merge`) may repeat.
 */
function repeatedOption(args: Record<string, unknown>, options: OptionsSeen): string | undefined {
  for (const key of Object.keys(options.key)) {
    const value = args[key];
    if (Array.isArray(value) && value.length > 1 && !options.array.includes(key)) {
      return `--${key} was given ${value.length} times (${value.map((v) => JSON.stringify(v)).join(', ')}); give it once`;
    }
  }
  return undefined;
}
