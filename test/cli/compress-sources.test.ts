/**
 * `tfdistill quantize|prune|optimize` take any model a user has, train-free: the run directory `tfdistill train`
 * wrote (its student/), a checkpoint saved without a tokenizer, a plain TF.js layers-model folder. A tokenizer is
 * needed only with --data; a directory holding no model is refused in one line saying what was looked for.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/use-backend.js';
import { fileSystemHandler } from '../../src/io/file-router.js';
import { saveModel } from '../../src/io/save-model.js';
import { makeTinyCheckpoint, tinyTexts } from '../tiny-checkpoint.js';
import { runCli } from './run-cli.js';

let tmp: string;
const at = (name: string) => path.join(tmp, name);
beforeAll(async () => {
  await useBackend('wasm');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tfd-cli-sources-'));
  const { model } = await makeTinyCheckpoint(at('run/student'));
  await fs.writeFile(at('run/metrics.jsonl'), '');
  await saveModel(model, at('bare'));
  await model.save(fileSystemHandler(at('plain/model.json')));
  model.dispose();
  await fs.writeFile(at('val.csv'), `${['text,label', ...tinyTexts.map((r) => `"${r.text}",${r.label}`)].join('\n')}\n`);
});
afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

const commandLines: Record<string, string[]> = {
  quantize: ['--dtype', 'uint8'],
  prune: ['--sparsity', '0.5'],
  optimize: ['--preset', 'medium'],
};

describe('compress commands open every kind of model', () => {
  it.each(Object.keys(commandLines))(
    '%s: a run directory (with --data), a checkpoint without tokenizer, a plain TF.js folder',
    async (command) => {
      const fromRun = await runCli([
        command,
        at('run'),
        ...commandLines[command],
        '--data',
        at('val.csv'),
        '--out',
        at(`${command}-run`),
        '--backend',
        'wasm',
      ]);
      expect(fromRun.code, fromRun.stderr).toBe(0);
      expect(fromRun.stdout, "evaluated with the student's tokenizer").toMatch(/^step .* accuracy/m);
      expect(fromRun.stdout).toMatch(/\d\.\d%/);
      for (const source of ['bare', 'plain']) {
        const r = await runCli([command, at(source), ...commandLines[command], '--out', at(`${command}-${source}`), '--backend', 'wasm']);
        expect(r.code, r.stderr).toBe(0);
        expect(await fs.readdir(at(`${command}-${source}`))).toContain('model.json');
      }
    },
  );

  it('refuses --data without a tokenizer, and a folder holding no model, in one line each', async () => {
    const noTokenizer = await runCli(['quantize', at('bare'), '--data', at('val.csv'), '--out', at('q-data'), '--backend', 'wasm']);
    expect(noTokenizer.code).toBe(1);
    expect(noTokenizer.stderr).toMatch(
      /val\.csv needs the checkpoint tokenizer, and this model has none .*\(INVALID_ARGUMENT\)\nhint: leave out the data/,
    );
    await fs.mkdir(at('empty'));
    const noModel = await runCli(['prune', at('empty'), '--sparsity', '0.5', '--out', at('p-empty'), '--backend', 'wasm']);
    expect(noModel.code).toBe(1);
    expect(noModel.stderr).toMatch(/no model\.json in it, nor in its student\/ or teacher\/ \(CHECKPOINT_INVALID\)/);
    expect(noModel.stderr).not.toMatch(/\n\s+at /);
  });
});
