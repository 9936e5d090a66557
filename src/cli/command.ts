import type { Argv, ArgumentsCamelCase, CommandModule } from 'yargs';
import { TfdistillError } from '../errors.js';

/** Options every command accepts. */
export interface GlobalOptions {
  verbose?: boolean;
}

/**
 * Defines a CLI command: yargs options plus a handler that calls the public library API. The wrapper turns a
 * `TfdistillError` (a user mistake) into a one-line message with its code and hint and exit code 1, with no stack
 * trace unless `--verbose`.
 */
export function defineCommand<A>(spec: {
  command: string;
  describe: string;
  builder: (y: Argv<GlobalOptions>) => Argv<A>;
  handler: (args: ArgumentsCamelCase<A & GlobalOptions>) => Promise<void>;
}): CommandModule<GlobalOptions, A> {
  return {
    command: spec.command,
    describe: spec.describe,
    builder: spec.builder,
    handler: async (args) => {
      try {
        await spec.handler(args as ArgumentsCamelCase<A & GlobalOptions>);
      } catch (err) {
        reportError(err, Boolean(args.verbose));
        process.exitCode = 1;
      }
    },
  } as CommandModule<GlobalOptions, A>;
}

/**
 * Prints an error the way the CLI does: for a user error one line ending in its code, e.g.
 * `tfdistill: /work/q already exists (OUTPUT_EXISTS)`, and its hint; the stack only with `--verbose`.
 */
export function reportError(err: unknown, verbose: boolean): void {
  if (err instanceof TfdistillError) {
    console.error(`tfdistill: ${err.message} (${err.code})`);
    if (err.hint) console.error(`hint: ${err.hint}`);
    if (verbose && err.stack) console.error(err.stack);
    return;
  }
  const e = err as Error;
  console.error(`tfdistill: internal error: ${e?.message ?? String(err)}`);
  console.error(verbose ? e?.stack : 'hint: run again with --verbose for the stack trace, and report it as a bug');
}
