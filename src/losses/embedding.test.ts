import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks, maxAbsDiff } from '../../test/helpers.js';
import { useBackend } from '../backend/use-backend.js';
import { embeddingAgreement, meanCosine } from '../eval/embedding-metrics.js';
import { embeddingLoss, type EmbeddingLossKind } from './embedding.js';

/** Golden cases from test/fixtures/embedding/make_embedding.py (PyTorch float64 losses, numpy metrics). */
const golden = JSON.parse(readFileSync(new URL('../../test/fixtures/embedding/embedding.json', import.meta.url), 'utf8')) as {
  losses: Array<{
    name: string;
    batch: number;
    dim: number;
    kind: EmbeddingLossKind;
    contrastive: number;
    temperature: number;
    student: number[];
    teacher: number[];
    main: number;
    contrastiveLoss: number | null;
    total: number;
    grad: number[];
  }>;
  metrics: Array<{
    name: string;
    n: number;
    dim: number;
    k: number;
    student: number[];
    teacher: number[];
    meanCosine: number;
    spearman: number;
    recallAtK: number;
  }>;
};

beforeAll(async () => {
  await useBackend('cpu');
});

describe('embeddingLoss (golden values from PyTorch)', () => {
  it.each(golden.losses)('$name: terms and gradient', async (c) => {
    await expectNoLeaks(() => {
      const options = { kind: c.kind, contrastive: c.contrastive, contrastiveTemperature: c.temperature };
      const [s, t] = [tf.tensor2d(c.student, [c.batch, c.dim]), tf.tensor2d(c.teacher, [c.batch, c.dim])];
      const result = embeddingLoss(s, t, options);
      expect(result.total.dataSync()[0]).toBeCloseTo(c.total, 5);
      expect(result.main.dataSync()[0]).toBeCloseTo(c.main, 5);
      if (c.contrastiveLoss === null) expect(result.contrastive).toBeUndefined();
      else expect(result.contrastive?.dataSync()[0]).toBeCloseTo(c.contrastiveLoss, 5);
      const grad = tf.grad((x: tf.Tensor) => embeddingLoss(x as tf.Tensor2D, t, options).total)(s);
      expect(maxAbsDiff(grad.dataSync(), c.grad)).toBeLessThan(1e-5 * Math.max(1, ...c.grad.map(Math.abs)));
      tf.dispose([s, t, grad, result]);
    });
  });

  it('refuses bad options and mismatched shapes', async () => {
    await expectNoLeaks(() => {
      const [s, t] = [tf.zeros([2, 3]) as tf.Tensor2D, tf.zeros([2, 4]) as tf.Tensor2D];
      expect(() => embeddingLoss(s, t)).toThrow(/same \[batch, d\] shape/);
      expect(() => embeddingLoss(s, s, { kind: 'l1' as EmbeddingLossKind })).toThrow(/mse, cosine/);
      expect(() => embeddingLoss(s, s, { contrastive: -1 })).toThrow(/contrastive weight/);
      expect(() => embeddingLoss(s, s, { contrastive: 1, contrastiveTemperature: 0 })).toThrow(/temperature/);
      tf.dispose([s, t]);
    });
  });
});

describe('embeddingAgreement (golden values from numpy)', () => {
  it.each(golden.metrics)('$name: mean cosine, Spearman of pairwise similarities, recall@k', (c) => {
    const student = { values: Float32Array.from(c.student), n: c.n, dim: c.dim };
    const teacher = { values: Float32Array.from(c.teacher), n: c.n, dim: c.dim };
    const got = embeddingAgreement(student, teacher, c.k);
    expect(got.meanCosine).toBeCloseTo(c.meanCosine, 6);
    expect(got.spearman).toBeCloseTo(c.spearman, 6);
    expect(got.recallAtK).toBeCloseTo(c.recallAtK, 9);
    expect(got.k).toBe(Math.min(c.k, c.n - 1));
  });

  it('compares vectors of different widths (no mean cosine), and a student identical to its teacher scores 1', () => {
    const c = golden.metrics[0];
    const teacher = { values: Float32Array.from(c.teacher), n: c.n, dim: c.dim };
    const same = embeddingAgreement(teacher, teacher);
    expect(same).toEqual({ meanCosine: expect.closeTo(1, 9), spearman: expect.closeTo(1, 9), recallAtK: 1, k: 10 });
    const narrow = { values: teacher.values.filter((_, i) => i % c.dim < 4), n: c.n, dim: 4 };
    const partial = embeddingAgreement(narrow, teacher);
    expect(partial.meanCosine).toBeUndefined();
    expect(partial.recallAtK).toBeGreaterThan(0);
    expect(partial.recallAtK).toBeLessThan(1);
    expect(() => meanCosine(narrow, teacher)).toThrow(/same texts and width/);
    expect(() => embeddingAgreement({ ...narrow, n: 1, values: narrow.values.slice(0, 4) }, { ...teacher, n: 1 })).toThrow(
      /at least 2 texts/,
    );
  });
});
