/**
 * The command line's conventions, checked on every registered command: a command that reads a model takes it as its
 * first positional, a command that writes has `--out` and `--force`, every `--help` shows an example, and no command
 * imports another. Then through the real CLI: a writing command run twice refuses the second time without `--force`
 * (OUTPUT_EXISTS, exit 1, one line and a hint, no stack trace).
 */
import { readdirSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import yargs from 'yargs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/use-backend.js';
import { commands } from '../../src/cli/commands/index.js';
import { makeTinyCheckpoint, tinyTexts } from '../tiny-checkpoint.js';
import { runCli } from './run-cli.js';

/**
 * What each command does: the spec the conventions are checked against. A new command fails the first test until
 * it is listed here. `train` reads a teacher too, but an optional one beside its alternatives (--teacher-cache,
 * --teacher-logits-column), so it stays an option there.
 */
const roles: Record<string, { model?: 'model' | 'teacher'; writes?: true }> = {
  demo: { writes: true },
  train: { writes: true },
  'train-teacher': { writes: true },
  'cache-teacher': { model: 'teacher', writes: true },
  eval: { model: 'model' },
  bench: { model: 'model' },
  predict: { model: 'model' },
  'export-web': { model: 'model', writes: true },
  prune: { model: 'model', writes: true },
  quantize: { model: 'model', writes: true },
  optimize: { model: 'model', writes: true },
};

/** `tfdistill <name> --help` as the user sees it, from yargs in-process (no process exit). */
async function help(name: string): Promise<string> {
  const command = commands.find((c) => String(c.command).split(' ')[0] === name)!;
  const cli = yargs()
    .scriptName('tfdistill')
    .exitProcess(false)
    .command(command as never)
    .wrap(200);
  return new Promise((resolve) => {
    void cli.parse([name, '--help'], {}, (_err, _argv, output) => resolve(output));
  });
}

describe('every command follows the conventions', () => {
  const names = commands.map((c) => String(c.command).split(' ')[0]);

  it('lists every registered command in the spec above', () => {
    expect(names.toSorted()).toEqual(Object.keys(roles).toSorted());
  });

  it.each(names)('%s', async (name) => {
    const role = roles[name];
    const text = await help(name);
    const positionals = String(commands.find((c) => String(c.command).split(' ')[0] === name)!.command)
      .split(' ')
      .slice(1);
    if (role.model) {
      expect(positionals[0], 'the model is the first positional').toMatch(new RegExp(`^[<[]${role.model}[>\\]]$`));
      expect(text).toMatch(new RegExp(`Positionals:\\s+${role.model}\\s`));
    }
    if (role.writes) {
      expect(text, 'a writing command has --out').toMatch(/^\s+--out\s/m);
      expect(text, 'a writing command has --force').toMatch(/^\s+--force\s/m);
    }
    expect(text, '--help shows an example').toMatch(/\nExamples:\n\s+(cat .*\| )?tfdistill \S+/);
  });

  it('no command imports another (shared options live in src/cli/options.ts)', () => {
    const folder = path.resolve('src/cli/commands');
    for (const file of readdirSync(folder).filter((f) => f.endsWith('.ts') && f !== 'index.ts')) {
      expect(readFileSync(path.join(folder, file), 'utf8'), file).not.toMatch(/from '\.\/[^']+'/);
    }
  });
});

describe('a writing command run twice', () => {
  let tmp: string;
  beforeAll(async () => {
    await useBackend('wasm');
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tfd-conventions-'));
    // A training run directory as `tfdistill train` leaves it (its student/, the rest of the run beside it).
    (await makeTinyCheckpoint(path.join(tmp, 'run', 'student'))).model.dispose();
    await fs.writeFile(path.join(tmp, 'run', 'metrics.jsonl'), '');
    await fs.writeFile(path.join(tmp, 'train.csv'), `${['text,label', ...tinyTexts.map((r) => `"${r.text}",${r.label}`)].join('\n')}\n`);
  });
  afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

  /** Runs `args` twice, then again with --force: ok, refused, ok. */
  async function twice(args: string[]): Promise<void> {
    const first = await runCli([...args, '--backend', 'wasm']);
    expect(first.code, first.stderr).toBe(0);
    const again = await runCli([...args, '--backend', 'wasm']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^tfdistill: .* already exists \(OUTPUT_EXISTS\)\nhint: .*--force/);
    expect(again.stderr).not.toMatch(/\n\s+at /);
    const forced = await runCli([...args, '--backend', 'wasm', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
  }

  it('quantize (a checkpoint folder, from a run directory)', async () => {
    await twice(['quantize', path.join(tmp, 'run'), '--dtype', 'float16', '--out', path.join(tmp, 'q')]);
    expect(await fs.readdir(path.join(tmp, 'q'))).toContain('tokenizer.json');
  });

  it('cache-teacher (a file)', async () => {
    await twice([
      'cache-teacher',
      path.join(tmp, 'run'),
      '--data',
      path.join(tmp, 'train.csv'),
      '--max-length',
      '16',
      '--out',
      path.join(tmp, 'train.teacher.bin'),
    ]);
  });
});
