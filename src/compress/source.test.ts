import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { loadClassifier } from '../io/classifier-checkpoint.js';
import { fileSystemHandler } from '../io/file-router.js';
import { loadModel } from '../io/load-model.js';
import { saveModel } from '../io/save-model.js';
import { expectNoLeaks } from '../../test/helpers.js';
import { makeTinyCheckpoint } from '../../test/tiny-checkpoint.js';
import { optimize } from './optimize.js';
import { prune } from './prune.js';
import { quantize } from './quantize.js';
import { openSource } from './source.js';

/**
 * The sources every compression function opens, train-free: a training run directory (`train`'s layout: student/,
 * checkpoints/, metrics.jsonl), `train-teacher`'s (teacher/), a checkpoint saved without a tokenizer (saveModel),
 * and a plain `tf.LayersModel.save` folder.
 */
let dir: string;
const at = (name: string) => path.join(dir, name);
beforeAll(async () => {
  await useBackend('wasm');
  dir = await mkdtemp(path.join(tmpdir(), 'tfd-source-'));
  const { model } = await makeTinyCheckpoint(at('run/student'), { dModel: 16 });
  await mkdir(at('run/checkpoints/step-8'), { recursive: true });
  await writeFile(at('run/metrics.jsonl'), '{"kind":"train","step":8,"loss":0.5}\n');
  (await makeTinyCheckpoint(at('t/teacher'), { dModel: 16, seed: 3 })).model.dispose();
  await saveModel(model, at('bare'));
  await model.save(fileSystemHandler(at('plain/model.json')));
  model.dispose();
  await mkdir(at('no-model'));
  await writeFile(at('no-model/notes.txt'), 'not a model');
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('openSource', () => {
  it('opens a run directory as its student/ (train) or teacher/ (train-teacher), with tokenizer and labels', async () => {
    await expectNoLeaks(async () => {
      for (const run of ['run', 't']) {
        const src = await openSource(at(run));
        expect(src.tokenizer, run).toBeDefined();
        expect(src.labels).toEqual(['ham', 'spam']);
        src.model.dispose();
      }
    });
  });

  it('opens a checkpoint without a tokenizer and a plain TF.js folder; refuses a directory holding no model', async () => {
    await expectNoLeaks(async () => {
      for (const bare of ['bare', 'plain']) {
        const src = await openSource(at(bare));
        expect(src.tokenizer).toBeUndefined();
        expect(src.maxLength).toBe(32);
        src.model.dispose();
      }
      await expect(openSource(at('no-model'))).rejects.toMatchObject({
        code: 'CHECKPOINT_INVALID',
        message: expect.stringMatching(/no-model is not a tfdistill checkpoint.*no model\.json in it, nor in its student\/ or teacher\//),
      });
      await expect(openSource(at('missing'))).rejects.toMatchObject({ code: 'CHECKPOINT_NOT_FOUND' });
      await expect(openSource(at('run/metrics.jsonl'))).rejects.toMatchObject({
        code: 'CHECKPOINT_NOT_FOUND',
        message: expect.stringMatching(/a file, not a directory/),
      });
    });
  });
});

describe('quantize, prune and optimize on a run directory and on checkpoints without a tokenizer', () => {
  it.each(['run', 'bare', 'plain'])('%s', async (source) => {
    await expectNoLeaks(async () => {
      const out = (what: string) => at(`${source}-${what}`);
      await quantize(at(source), { dtype: 'uint8', out: out('q'), latency: false });
      const pruned = await prune(at(source), { sparsity: 0.5, out: out('p'), latency: false });
      pruned.model.dispose();
      pruned.masks?.dispose();
      await optimize(at(source), { preset: 'medium', out: out('o') });
      for (const what of ['q', 'p', 'o']) {
        // A run directory's student brings its tokenizer along; the others stay plain models.
        const reopened = source === 'run' ? await loadClassifier(out(what)) : await loadModel(out(what));
        reopened.model.dispose();
      }
    });
  });

  it('needs a tokenizer only to read an evaluation file', async () => {
    const csv = at('eval.csv');
    await writeFile(csv, 'text,label\nwin money now,spam\n');
    await expect(prune(at('bare'), { sparsity: 0.5, data: csv })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(optimize(at('plain'), { preset: 'light', data: csv, out: at('plain-eval') })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    const r = await quantize(at('run'), { dtype: 'uint8', data: csv, out: at('run-eval'), latency: false });
    expect(r.rows[0].accuracy).toBeDefined();
  });
});
