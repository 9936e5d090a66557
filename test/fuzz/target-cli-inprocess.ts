/**
 * Fuzz target: the `tfdistill` command line with random arguments, run IN THIS PROCESS by calling `main(args)`
 * (milliseconds a case, so `npm run stress` tries 10,000+; `target-cli.ts` still runs a few hundred real
 * processes). Same arguments as the spawned target (`cliArgs`), same verdict: a case passes when the CLI ends with
 * exit code 0, 1 (a user error, one line + hint) or 2 (bad arguments), its stderr holds neither "internal error" nor
 * a stack trace (unless `--verbose`), `main` does not reject, and nothing leaks into the next case: no tensor, no
 * process listener (SIGINT, ...), no changed working directory or backend.
 *
 * How a real process is emulated:
 * - `process.exit(code)` throws a private sentinel (the code is the case's exit code); output and `process.exitCode`
 *   changes after it are ignored, as a real process would be gone by then.
 * - `console.*` and `process.stdout/stderr.write` are captured, and restored after the case.
 * - `process.exitCode` is cleared before the case and restored after it (undefined at the end = exit 0).
 * - The working directory is the scratch `dir` during the case, as for the spawned processes: relative paths
 *   (`--out ..`, default run directories) land there, never in the repository.
 */
import { format } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/backend/use-backend.js';
import type { BackendName } from '../../src/backend/backend-info.js';
import { main } from '../../src/cli/main.js';
import { AcceptedOutcome } from './harness.js';
import { cliArgs, cliFixtures } from './target-cli.js';
import type { FuzzTarget } from './target.js';

/** What `process.exit` throws during a case: the process would end here with `code`. */
class ExitCalled extends Error {
  constructor(readonly code: number) {
    super(`process.exit(${code})`);
  }
}

/** Process events a command might listen to; a case must leave their listener counts as it found them. */
const WATCHED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'exit', 'beforeExit', 'uncaughtException', 'unhandledRejection', 'warning'] as const;
/** `process` as a plain emitter, for listener bookkeeping over mixed event names. */
const events: NodeJS.EventEmitter = process;
const CONSOLE_METHODS = ['log', 'info', 'debug', 'warn', 'error', 'trace'] as const;

/**
 * The in-process CLI target; scratch files (damaged data, a fake checkpoint) live in `dir`, the working directory
 * of every case.
 *
 * @example
 * ```ts
 * const s = await runFuzz({ name: 'cli-inprocess', seed: 1, count: 200, ...(await cliInProcessTarget({ dir })) });
 * ```
 */
export async function cliInProcessTarget(opts: { dir: string }): Promise<FuzzTarget<string[]>> {
  const files = await cliFixtures(opts.dir);
  // The originals, taken once: if a case hangs past its timeout and restores late, the next cases still restore
  // (and capture from) the real functions, not another case's stand-ins.
  const original = {
    exit: process.exit,
    stdoutWrite: process.stdout.write,
    stderrWrite: process.stderr.write,
    console: Object.fromEntries(CONSOLE_METHODS.map((m) => [m, console[m]])) as Record<
      (typeof CONSOLE_METHODS)[number],
      (...a: unknown[]) => void
    >,
  };
  return {
    timeoutMs: 30_000,
    generate: (rng) => cliArgs(rng, files),
    async run(args) {
      const cwd = process.cwd();
      const exitCodeBefore = process.exitCode;
      const backend = tf.getBackend();
      const listeners = WATCHED_EVENTS.map((e) => events.listeners(e));
      const tensors = tf.memory().numTensors;
      const stdout: string[] = [];
      const stderr: string[] = [];
      let exited: number | undefined;
      const sink =
        (to: string[]) =>
        (...a: unknown[]) => {
          if (exited === undefined) to.push(`${format(...a)}\n`);
        };
      const writer = (to: string[]) =>
        ((chunk: string | Uint8Array, encoding?: unknown, cb?: unknown) => {
          if (exited === undefined) to.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
          const done = typeof encoding === 'function' ? encoding : cb;
          if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
          return true;
        }) as typeof process.stdout.write;

      process.exit = ((code?: number | string | null) => {
        const c = Number(code ?? process.exitCode ?? 0);
        exited ??= c;
        throw new ExitCalled(c);
      }) as typeof process.exit;
      for (const m of CONSOLE_METHODS) console[m] = sink(m === 'log' || m === 'info' || m === 'debug' ? stdout : stderr);
      process.stdout.write = writer(stdout);
      process.stderr.write = writer(stderr);
      process.exitCode = undefined;
      let code = 0;
      let rejection: unknown;
      try {
        process.chdir(opts.dir);
        await main(args);
      } catch (e) {
        if (!(e instanceof ExitCalled)) rejection = e;
      } finally {
        code = exited ?? Number(process.exitCode ?? 0);
        process.exitCode = exitCodeBefore;
        process.chdir(cwd);
        try {
          // A `--backend cpu` case switches tfjs's global backend; the next case starts where this one did.
          if (tf.getBackend() !== backend) await useBackend(backend as BackendName);
        } finally {
          process.exit = original.exit;
          for (const m of CONSOLE_METHODS) console[m] = original.console[m];
          process.stdout.write = original.stdoutWrite;
          process.stderr.write = original.stderrWrite;
        }
      }

      const problems: string[] = [];
      if (rejection !== undefined) {
        problems.push(`main rejected: ${rejection instanceof Error ? (rejection.stack ?? rejection.message) : String(rejection)}`);
      }
      if (!Number.isInteger(code) || code < 0 || code > 2) problems.push(`exit code ${code}`);
      const err = stderr.join('');
      if (/internal error/.test(err)) problems.push('internal error');
      if (/^\s+at /m.test(err) && !args.includes('--verbose')) problems.push('stack trace without --verbose');
      WATCHED_EVENTS.forEach((event, i) => {
        const added = events.listeners(event).filter((l) => !listeners[i].includes(l));
        if (added.length > 0) {
          problems.push(`${added.length} ${event} listener(s) left behind`);
          for (const l of added) events.off(event, l as (...a: unknown[]) => void); // do not blame the next cases
        }
      });
      const leaked = tf.memory().numTensors - tensors;
      if (leaked !== 0) problems.push(`${leaked} tensors leaked`);
      if (problems.length > 0) {
        throw new Error(`tfdistill ${JSON.stringify(args)}: ${problems.join('; ')}\n${err.slice(-1500)}`);
      }
      if (code !== 0) throw new AcceptedOutcome(`exit ${code}`);
    },
  };
}
