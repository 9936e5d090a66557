import * as tf from '@tensorflow/tfjs';
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
import { makeTinyCheckpoint, tinyTexts } from '../../test/tiny-checkpoint.js';
import { evalSetFromRecords } from './eval-set.js';
import { prune } from './prune.js';
import { quantize } from './quantize.js';
import { encoderBlocks } from './structured.js';

let dir: string;
let ckpt: string;
/** A directory holding no model, only a stray file (`dir` is a run directory: it holds student/). */
let noModel: string;
beforeAll(async () => {
  await useBackend('wasm');
  dir = await mkdtemp(path.join(tmpdir(), 'tfd-prune-'));
  ckpt = path.join(dir, 'student');
  noModel = path.join(dir, 'no-model');
  await mkdir(noModel);
  await writeFile(path.join(noModel, 'notes.txt'), 'not a model');
  const { model } = await makeTinyCheckpoint(ckpt, { dModel: 16 });
  model.dispose();
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('prune()', () => {
  it('progressive magnitude pruning: one report row per step, exact sparsity, saved checkpoint loads', async () => {
    await expectNoLeaks(async () => {
      const { tokenizer, labels, model: ref } = await loadClassifier(ckpt);
      ref.dispose();
      const data = evalSetFromRecords(tinyTexts, { tokenizer, labels, maxLength: 32 });
      const recovered: number[] = [];
      const out = path.join(dir, 'pruned');
      const result = await prune(ckpt, {
        sparsity: 0.7,
        schedule: [0.3, 0.5, 0.7],
        data,
        out,
        latency: { runs: 2, warmup: 1 },
        recover: async (_model, { sparsity, masks }) => {
          recovered.push(sparsity);
          expect(masks).toBeDefined();
        },
      });
      expect(recovered).toEqual([0.3, 0.5, 0.7]);
      expect(result.rows.map((r) => r.step)).toEqual(['original', 'prune 30% +recover', 'prune 50% +recover', 'prune 70% +recover']);
      expect(result.rows.slice(1).map((r) => r.sparsity?.toFixed(2))).toEqual(['0.30', '0.50', '0.70']);
      expect(result.rows[3].sizeGzip).toBeLessThan(result.rows[0].sizeGzip);
      expect(result.rows[3].sizeRaw).toBe(result.rows[0].sizeRaw); // dense float32 files: same raw size
      expect(result.rows[0].agreement).toBe(1);
      expect(result.table).toContain('prune 70%');
      const again = await loadClassifier(out);
      expect(again.labels).toEqual(labels);
      again.model.dispose();
      result.masks?.dispose();
      result.model.dispose();
    });
  });

  it('structured pruning makes a smaller model with fewer heads and neurons', async () => {
    await expectNoLeaks(async () => {
      const out = path.join(dir, 'structured');
      const result = await prune(ckpt, { method: 'structured', sparsity: 0.5, out, latency: false });
      expect(encoderBlocks(result.model).map((b) => [b.numHeads, b.ffnDim])).toEqual([[1, 16]]);
      expect(result.rows[1].parameters).toBeLessThan(result.rows[0].parameters);
      expect(result.rows[1].sizeRaw).toBeLessThan(result.rows[0].sizeRaw);
      const again = await loadClassifier(out);
      const x = tf.tensor2d([[2, 3, 4]], [1, 3], 'int32');
      const [a, b] = tf.tidy(() => [(again.model.predict(x) as tf.Tensor).dataSync(), (result.model.predict(x) as tf.Tensor).dataSync()]);
      expect(Array.from(a)).toEqual(Array.from(b));
      x.dispose();
      again.model.dispose();
      result.model.dispose();
    });
  });

  it('rejects a directory holding no model, a sparsity outside [0, 1), an existing output', async () => {
    await expectNoLeaks(async () => {
      await expect(prune(noModel, { sparsity: 0.5 })).rejects.toMatchObject({
        code: 'CHECKPOINT_INVALID',
        message: expect.stringMatching(/no model\.json in it, nor in its student\/ or teacher\//),
      });
      await expect(prune(ckpt, { sparsity: 1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(prune(ckpt, { sparsity: 0.5, schedule: [0.5, 0.2] })).rejects.toThrow(/must not decrease/);
      await expect(prune(ckpt, { sparsity: 0.5, out: ckpt })).rejects.toMatchObject({ code: 'OUTPUT_EXISTS' });
    });
  });
});

describe('quantize()', () => {
  it('reports size per dtype, ratio and quality before/after; rejects unknown dtypes', async () => {
    await expectNoLeaks(async () => {
      const { tokenizer, labels, model: ref } = await loadClassifier(ckpt);
      ref.dispose();
      const data = evalSetFromRecords(tinyTexts, { tokenizer, labels, maxLength: 32 });
      const out = path.join(dir, 'uint8');
      const r = await quantize(ckpt, { dtype: 'uint8', exclude: ['embeddings*'], data, out, latency: false });
      expect(r.rows[1].byDtype?.uint8).toBeGreaterThan(0);
      expect(r.rows[1].byDtype?.float32).toBeGreaterThan(0);
      expect(r.compressionRatio).toBeGreaterThan(1.2);
      expect(r.rows[1].agreement).toBeGreaterThan(0.5);
      expect(r.note).toMatch(/float32/);
      expect(
        Object.entries(r.assignment)
          .filter(([n]) => n.startsWith('embeddings'))
          .every(([, d]) => d === 'float32'),
      ).toBe(true);
      const again = await loadClassifier(out);
      again.model.dispose();
      await expect(quantize(ckpt, { dtype: 'int4' as never })).rejects.toThrow(/unknown dtype/);
      await expect(quantize(noModel, {})).rejects.toMatchObject({ code: 'CHECKPOINT_INVALID' });
    });
  });

  it('quantizes a checkpoint saved without a tokenizer (saveModel) and a plain TF.js layers-model folder; data files need a tokenizer', async () => {
    await expectNoLeaks(async () => {
      const { model } = await loadClassifier(ckpt);
      const bare = path.join(dir, 'bare');
      await saveModel(model, bare);
      const plain = path.join(dir, 'plain');
      await model.save(fileSystemHandler(path.join(plain, 'model.json')));
      model.dispose();
      for (const source of [bare, plain]) {
        const out = `${source}-uint8`;
        const r = await quantize(source, { dtype: 'uint8', out, latency: false });
        expect(r.compressionRatio).toBeGreaterThan(1.2);
        const { model: q } = await loadModel(out);
        q.dispose();
      }
      const csv = path.join(dir, 'eval.csv');
      await writeFile(csv, 'text,label\nwin money now,spam\n');
      await expect(quantize(bare, { dtype: 'uint8', data: csv, latency: false })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    });
  });
});
