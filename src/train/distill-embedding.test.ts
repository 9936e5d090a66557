import fs from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks, maxAbsDiff } from '../../test/helpers.js';
import {
  markerTask,
  prepared,
  quietOptions,
  readMetrics,
  removeTempDirs,
  tempRunDir,
  withOptions,
} from '../../test/integration/tiny-task.js';
import { useBackend } from '../backend/use-backend.js';
import type { Example } from '../data/types.js';
import { evaluate } from '../eval/evaluate.js';
import { loadClassifier } from '../io/classifier-checkpoint.js';
import { predictStream } from '../serve/predict-stream.js';
import { createPredictor } from '../serve/predictor.js';
import { Rng } from '../util/rng.js';
import { fitPca, type Pca } from '../data/pca.js';
import { distill } from './distill.js';
import type { DistillOptions } from './distill-options.js';

beforeAll(async () => {
  await useBackend('wasm');
});
afterAll(removeTempDirs);

/**
 * Teacher vectors a mean-pooling student can learn, but an untrained one does not already follow: each token has a
 * fixed random 8-dim vector, and a text's vector is the sum over its tokens with ids below 35 (30 of the 95 word
 * tokens; the rest carry no meaning for this teacher). An untrained student mixes every token alike.
 */
const DIM = 8;
const tokenVectors = (() => {
  const rng = new Rng(77);
  return Array.from({ length: 128 }, () => Float32Array.from({ length: DIM }, () => rng.next() * 2 - 1));
})();
function withTeacherVectors(examples: Example[]): Example[] {
  return examples.map((e) => {
    const body = Array.from(e.ids.slice(1, -1)).filter((id) => id < 35);
    const v = new Float32Array(DIM);
    for (const id of body) for (let c = 0; c < DIM; c++) v[c] += tokenVectors[id][c];
    const { label: _label, ...rest } = e; // unlabelled: the vectors are all there is
    return { ...rest, teacherLogits: v };
  });
}
const train = withTeacherVectors(markerTask({ count: 128, seed: 21 }));
const validation = withTeacherVectors(markerTask({ count: 40, seed: 22, firstIndex: 500 }));

async function run(overrides: Partial<DistillOptions>) {
  const out = await tempRunDir();
  const result = await distill(
    withOptions(quietOptions(out), {
      task: 'embedding',
      train: prepared(train),
      validation: prepared(validation),
      schedule: { epochs: 8, batchSize: 16 },
      optimizer: { learningRate: 1e-2 },
      ...overrides,
    }),
  );
  result.student.dispose();
  return { result, metrics: await readMetrics(out) };
}

describe("distill({ task: 'embedding' })", () => {
  it("learns a teacher's vectors from unlabelled rows: recall@10 and Spearman far above an untrained student's", async () => {
    await expectNoLeaks(async () => {
      const trained = await run({});
      const untrained = await run({ schedule: { maxSteps: 1, batchSize: 16, evalEvery: 1 }, optimizer: { learningRate: 1e-9 } });
      const [t, u] = [trained.result.best?.metrics, untrained.result.best?.metrics];
      expect(t?.count).toBe(40);
      // Measured at seed 1: recall@10 0.675 against 0.46, Spearman 0.69 against 0.41, mean cosine 0.84 against -0.21.
      expect(t?.recallAt10).toBeGreaterThan((u?.recallAt10 ?? 1) + 0.15);
      expect(t?.spearman).toBeGreaterThan((u?.spearman ?? 1) + 0.2);
      expect(t?.meanCosine).toBeGreaterThan(0.7);
      expect(t?.accuracy).toBeUndefined();
      const step = trained.metrics.find((m) => m.kind === 'train');
      expect(Object.keys(step ?? {})).toContain('mse');
      const evals = trained.metrics.filter((m) => m.kind === 'eval');
      expect(evals.at(-1)).toMatchObject({ recallAt10: expect.any(Number), spearman: expect.any(Number) });
    });
  });

  it('takes the cosine loss with an in-batch contrastive term, logging both', async () => {
    const { metrics, result } = await run({
      loss: { embedding: { kind: 'cosine', contrastive: 0.5 } },
      schedule: { epochs: 2, batchSize: 16 },
    });
    const step = metrics.find((m) => m.kind === 'train');
    expect(step).toMatchObject({ cosine: expect.any(Number), contrastive: expect.any(Number) });
    expect(result.best?.metrics.recallAt10).toBeGreaterThan(0);
  });

  it('saves a checkpoint that says it embeds: the predictor embeds (and refuses predict), predict writes vectors, evaluate refuses', async () => {
    const { result } = await run({ schedule: { epochs: 1, batchSize: 16 } });
    await expectNoLeaks(async () => {
      const ckpt = await loadClassifier(result.checkpointDir);
      expect(ckpt.task).toBe('embedding');
      expect(ckpt.labels).toEqual([]);
      const text = 't3 t0 t9 t21';
      const direct = tf.tidy(
        () => ckpt.model.predict(tf.tensor2d([Array.from(ckpt.tokenizer.encode(text, 16))], undefined, 'int32')) as tf.Tensor,
      );
      const expected = Array.from(direct.dataSync());
      direct.dispose();
      ckpt.model.dispose();
      const predictor = await createPredictor(result.checkpointDir);
      try {
        expect(predictor.task).toBe('embedding');
        const vector = await predictor.embed(text);
        expect(vector).toBeInstanceOf(Float32Array);
        expect(maxAbsDiff(vector, expected)).toBeLessThan(1e-5);
        await expect(predictor.predict(text)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: /call embed\(\)/ });
        await expect(predictor.embed(' ')).rejects.toMatchObject({ code: 'DATA_INVALID' });
        const output = new PassThrough();
        const chunks: string[] = [];
        output.on('data', (c: Buffer) => chunks.push(c.toString()));
        await predictStream(predictor, Readable.from([`${JSON.stringify({ text })}\n`]), output, { format: 'jsonl' });
        const line = JSON.parse(chunks.join('').trim()) as { line: number; vector: number[] };
        expect(line.line).toBe(1);
        expect(maxAbsDiff(line.vector, expected)).toBeLessThan(1e-5);
      } finally {
        await predictor.close();
      }
      await expect(evaluate(result.checkpointDir, [{ text }])).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: /compares it with its teacher: give the teacher/,
      });
    });
  });

  it("with pca, trains on the teacher vectors' top principal components and saves the PCA with the checkpoint", async () => {
    const { result, metrics } = await run({ data: { teacherEmbedding: { pca: 4 } }, schedule: { epochs: 4, batchSize: 16 } });
    await expectNoLeaks(async () => {
      const ckpt = await loadClassifier(result.checkpointDir);
      try {
        expect(ckpt.model.outputs[0].shape).toEqual([null, 4]);
        const pca = ckpt.pca as Pca;
        expect([pca.dim, pca.k]).toEqual([DIM, 4]);
        expect(pca.explained).toBeGreaterThan(0.5);
        // The PCA in the checkpoint is the one fitted on the training rows' vectors.
        const values = new Float32Array(train.length * DIM);
        train.forEach((e, i) => {
          values.set(e.teacherLogits as Float32Array, i * DIM);
        });
        const refit = fitPca({ values, n: train.length, dim: DIM }, 4);
        expect(maxAbsDiff(pca.components, refit.components)).toBeLessThan(1e-6);
      } finally {
        ckpt.model.dispose();
      }
      expect(metrics.some((m) => m.kind === 'eval' && typeof m.recallAt10 === 'number')).toBe(true);
      expect(result.best?.metrics.meanCosine).toBeGreaterThan(0.5); // against the projected validation targets
    });
  });

  it('distils an ONNX sentence-embedding teacher on real emails: retrieval agreement far above an untrained student', async () => {
    await expectNoLeaks(async () => {
      const common = {
        task: 'embedding' as const,
        teacher: path.resolve('test/fixtures/hf/sentence-embedder'),
        train: path.resolve('test/fixtures/hf/single.csv'), // has a label column: not read
        data: { maxLength: 48, vocabSize: 800 },
        student: { dModel: 32, numLayers: 1, numHeads: 2, ffnDim: 64, dropout: 0 },
        runtime: { backend: 'wasm' as const, handleSignals: false, replicas: 1 },
      };
      const distilled = async (overrides: Partial<DistillOptions>) => {
        const result = await distill(withOptions(quietOptions(await tempRunDir()), { ...common, ...overrides }));
        result.student.dispose();
        return result;
      };
      const trainedRun = await distilled({
        loss: { embedding: { kind: 'cosine', contrastive: 1 } },
        schedule: { epochs: 8, batchSize: 32 },
        optimizer: { learningRate: 3e-3 },
      });
      const trained = trainedRun.best?.metrics;
      const untrained = (await distilled({ schedule: { maxSteps: 1, evalEvery: 1, batchSize: 32 }, optimizer: { learningRate: 1e-9 } }))
        .best?.metrics;
      // evaluate (eval --teacher): the same teacher on a file of texts gives the same kind of figures.
      const evaluated = await evaluate(trainedRun.checkpointDir, path.resolve('test/fixtures/hf/pairs.csv'), {
        teacher: common.teacher,
        teacherThreads: 1,
      });
      expect(evaluated.count).toBe(574);
      expect(evaluated.meanCosine).toBeGreaterThan(0.6);
      expect(evaluated.recallAt10).toBeGreaterThan(0);
      expect(evaluated.accuracy).toBeUndefined();
      // Measured at seed 1 on the 59 held-out emails: recall@10 of the teacher's neighbours 0.375 against 0.219 for an
      // untrained student, Spearman 0.57 against 0.18, mean cosine 0.81 against -0.08.
      expect(trained?.count).toBe(59);
      expect(trained?.recallAt10).toBeGreaterThan((untrained?.recallAt10 ?? 1) + 0.1);
      expect(trained?.spearman).toBeGreaterThan((untrained?.spearman ?? 1) + 0.25);
      expect(trained?.meanCosine).toBeGreaterThan((untrained?.meanCosine ?? 1) + 0.5);
    });
  });

  it('caches the teacher vectors as float16 when asked: half the file, the same training within float16 rounding', async () => {
    await expectNoLeaks(async () => {
      const teacher = path.resolve('test/fixtures/hf/sentence-embedder');
      const sizes: Record<string, number> = {};
      const metrics: Record<string, number | undefined> = {};
      for (const dtype of ['float32', 'float16'] as const) {
        const out = await tempRunDir();
        const result = await distill(
          withOptions(quietOptions(out), {
            task: 'embedding',
            teacher,
            train: path.resolve('test/fixtures/hf/single.csv'),
            data: { maxLength: 32, vocabSize: 600, cacheTeacher: true, teacherCacheDtype: dtype },
            schedule: { epochs: 2, batchSize: 32 },
            runtime: { backend: 'wasm', handleSignals: false, replicas: 1 },
          }),
        );
        result.student.dispose();
        sizes[dtype] = (await fs.stat(path.join(out, 'teacher-cache.bin'))).size;
        metrics[dtype] = result.best?.metrics.meanCosine;
      }
      expect(sizes.float16).toBeLessThan(0.6 * sizes.float32);
      expect(Math.abs((metrics.float16 ?? 0) - (metrics.float32 ?? 1))).toBeLessThan(0.02);
    });
  });

  it('refuses settings that do not fit the task, with INVALID_ARGUMENT', async () => {
    const out = await tempRunDir();
    const base = withOptions(quietOptions(out), { train: prepared(train), task: 'embedding' as const });
    for (const [options, message] of [
      [{ ...base, task: 'regression' }, /task must be 'classification' or 'embedding'/],
      [{ ...base, loss: { alpha: 0.5 } }, /no soft targets or labels/],
      [{ ...base, schedule: { bestMetric: 'accuracy' } }, /does not exist for task 'embedding'/],
      [{ ...base, task: 'classification', loss: { embedding: { kind: 'mse' } } }, /applies to task 'embedding'/],
      [{ ...base, loss: { embedding: { kind: 'l1' } } }, /loss.embedding.kind/],
      [{ ...base, data: { teacherEmbedding: { pca: 1.5 } } }, /pca must be a positive integer/],
      [{ ...base, data: { teacherCacheDtype: 'int8' } }, /teacherCacheDtype must be 'float32' or 'float16'/],
      [{ ...base, validation: prepared(validation), data: { teacherEmbedding: { pca: 9 } } }, /PCA width must be an integer in \[1, 8\]/],
      [{ ...base, train: prepared(markerTask({ count: 16, seed: 3 })) }, /needs the teacher's vectors/],
    ] as const) {
      await expect(distill(options as DistillOptions)).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(message),
      });
    }
  });
});
