/**
 * Fuzz target: the `tfdistill` command line with random arguments, each case a real process
 * (`node --import tsx src/cli/index.ts ...`, in a scratch working directory). Data and model arguments only ever
 * name missing, damaged or foreign files, so no case can start a long legitimate training run. A case passes when
 * the process exits 0 (help, version), 1 (a user error printed as one line + hint) or 2 (bad arguments), and its
 * stderr holds neither "internal error" nor a stack trace.
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import yargs, { type Argv } from 'yargs';
import { commands } from '../../src/cli/commands/index.js';
import type { Rng } from '../../src/util/rng.js';
import { chance, nastyString, pick } from './random.js';
import type { FuzzTarget } from './target.js';

const CLI = fileURLToPath(new URL('../../src/cli/index.ts', import.meta.url));
/** tsx resolved from this repository, since the processes run in a scratch directory. */
const TSX = pathToFileURL(fileURLToPath(new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url))).href;
const COMMANDS = [
  'train',
  'train-teacher',
  'cache-teacher',
  'eval',
  'predict',
  'bench',
  'prune',
  'quantize',
  'optimize',
  'export-web',
  'demo',
  'trian',
  '',
  '--',
  '-h',
];
const FLAGS = [
  '--data',
  '--teacher',
  '--out',
  '--epochs',
  '--batch-size',
  '--max-length',
  '--lr',
  '--seed',
  '--temperature',
  '--alpha',
  '--resume',
  '--force',
  '--verbose',
  '--format',
  '--top-k',
  '--backend',
  '--text-column',
  '--label-column',
  '--precision',
  '--sparsity',
  '--dtype',
  '--preset',
  '--vocab-size',
  '--tokenizer',
  '--validation',
  '--method',
  '--help',
];

/** The scratch files the generated arguments name (all damaged, foreign or missing); see {@link cliFixtures}. */
export interface CliFixtures {
  csv: string;
  jsonl: string;
  bin: string;
  ckpt: string;
  missing: string;
}

/**
 * Writes the scratch files of the CLI targets into `dir` (an unclosed CSV quote, JSONL of the wrong shapes, binary
 * bytes, a fake checkpoint) and returns their absolute paths.
 *
 * @example
 * ```ts
 * const files = await cliFixtures(dir);
 * const args = cliArgs(caseRng(1, 0), files);
 * ```
 */
export async function cliFixtures(dir: string): Promise<CliFixtures> {
  const files = {
    csv: path.join(dir, 'bad.csv'),
    jsonl: path.join(dir, 'bad.jsonl'),
    bin: path.join(dir, 'blob.csv'),
    ckpt: path.join(dir, 'fake-ckpt'),
    missing: path.join(dir, 'missing.csv'),
  };
  await writeFile(files.csv, 'text,label\n"unclosed,ham\n');
  await writeFile(files.jsonl, '{"text": 1}\n[2]\n');
  await writeFile(files.bin, new Uint8Array([0, 1, 2, 255, 0]));
  await mkdir(files.ckpt, { recursive: true });
  await writeFile(path.join(files.ckpt, 'model.json'), '{"modelTopology": {"class_name": "__proto__"}}');
  await writeFile(path.join(files.ckpt, 'tfdistill.json'), '{}');
  return files;
}

/** Each command's name, positional counts and own options (read from its yargs builder), for well-formed cases. */
interface CommandShape {
  name: string;
  positionals: number;
  optionalPositionals: number;
  /** Every option, those it demands, and the boolean ones (which take no value). */
  options: string[];
  required: string[];
  flags: string[];
  choices: Record<string, readonly string[]>;
}

let shapes: CommandShape[] | undefined;
function commandShapes(): CommandShape[] {
  shapes ??= commands
    .filter((c) => !String(c.command).startsWith('demo'))
    .map((c) => {
      // getOptions() exists at runtime (yargs' own checks use it) but not in @types/yargs.
      const built = (c.builder as (y: Argv) => Argv)(yargs([])) as unknown as {
        getOptions(): {
          key: Record<string, unknown>;
          boolean: string[];
          demandedOptions: Record<string, unknown>;
          choices?: Record<string, string[]>;
        };
      };
      const o = built.getOptions();
      const command = String(c.command);
      return {
        name: command.split(' ')[0],
        positionals: (command.match(/<[^>]+>/g) ?? []).length,
        optionalPositionals: (command.match(/\[[^\]]+\]/g) ?? []).length,
        options: Object.keys(o.key).filter((k) => /^[a-z][a-z0-9-]*$/.test(k) && k !== 'help' && k !== 'version'),
        required: Object.keys(o.demandedOptions ?? {}),
        flags: o.boolean,
        choices: o.choices ?? {},
      };
    });
  return shapes;
}

/**
 * Random `tfdistill` arguments, shared by the spawned and the in-process CLI targets. Half the cases are loose: a
 * command (or a typo, or none), any number of positionals and flags from a common list (mostly stopped by strict
 * parsing, exit 2). The other half are well-formed for one command: its positional count and its own options (read
 * from its yargs builder, sometimes repeated), so they reach the command's handler. Either way the values name the
 * damaged `files`, odd numbers and nasty strings, so no case can start a long legitimate run.
 *
 * @example
 * ```ts
 * cliArgs(rng, files); // e.g. ['eval', '/tmp/x/fake-ckpt', '/tmp/x/bad.csv', '--batch-size', 'NaN', '--verbose']
 * ```
 */
export function cliArgs(rng: Rng, files: CliFixtures): string[] {
  const value = (): string =>
    pick(rng, [
      files.csv,
      files.jsonl,
      files.bin,
      files.ckpt,
      files.missing,
      '/etc/passwd',
      '..',
      '',
      '-1',
      '0',
      '1',
      'NaN',
      '1e309',
      '2.5',
      'true',
      'float16',
      'wasm',
      'gpu',
      '1,8',
      '0/4',
      nastyString(rng, 12),
    ]);
  const positional = () => pick(rng, [files.ckpt, files.csv, files.missing, files.bin]);
  const args: string[] = [];
  if (chance(rng, 0.5)) {
    const c = pick(rng, commandShapes());
    args.push(c.name);
    for (let i = c.positionals + rng.int(c.optionalPositionals + 1); i > 0; i--) args.push(positional());
    const options = [...c.required.filter(() => chance(rng, 0.9)), ...Array.from({ length: rng.int(6) }, () => pick(rng, c.options))];
    for (const option of options) {
      args.push(`--${option}`);
      const choices = c.choices[option];
      if (choices && chance(rng, 0.7)) args.push(pick(rng, choices));
      else if (c.flags.includes(option) ? chance(rng, 0.1) : chance(rng, 0.9)) args.push(value());
    }
  } else {
    const command = pick(rng, COMMANDS);
    if (command !== '') args.push(command);
    // Positional arguments (model, data, checkpoint) some commands take.
    for (let i = rng.int(3); i > 0; i--) args.push(positional());
    for (let i = rng.int(5); i > 0; i--) {
      args.push(chance(rng, 0.1) ? `--${nastyString(rng, 8)}` : pick(rng, FLAGS));
      if (chance(rng, 0.8)) args.push(value());
    }
    // `demo` takes only valid-looking options (--out, --seed, --backend), so any demo that parses would run the real
    // demo for minutes: give every demo an option it does not have, right after the command (strict parsing then
    // stops it with exit 2; placed last it could follow a generated `--`, after which yargs checks nothing).
    if (command === 'demo') args.splice(1, 0, '--epochs', '-1');
  }
  // The OS cannot pass NUL inside an argument; every other byte goes through.
  return args.map((a) => a.replaceAll('\0', ''));
}

/**
 * The CLI target; scratch files (damaged data, a fake checkpoint) live in `dir`, which is also the working directory.
 *
 * @example
 * ```ts
 * const s = await runFuzz({ name: 'cli', seed: 1, count: 6, timeoutMs: 60_000, ...(await cliTarget({ dir })) });
 * ```
 */
export async function cliTarget(opts: { dir: string }): Promise<FuzzTarget<string[]>> {
  const files = await cliFixtures(opts.dir);
  return {
    timeoutMs: 90_000,
    generate: (rng) => cliArgs(rng, files),
    run(args) {
      return new Promise<void>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', TSX, CLI, ...args], { cwd: opts.dir, stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => {
          stderr += d;
        });
        child.on('exit', (code, signal) => {
          const problem =
            signal !== null
              ? `killed by ${signal}`
              : code === null || code > 2
                ? `exit code ${code}`
                : /internal error/.test(stderr)
                  ? 'internal error'
                  : /^\s+at /m.test(stderr) && !args.includes('--verbose')
                    ? 'stack trace without --verbose'
                    : undefined;
          if (problem) reject(new Error(`tfdistill ${JSON.stringify(args)}: ${problem}\n${stderr.slice(-1500)}`));
          else resolve();
        });
      });
    },
  };
}
