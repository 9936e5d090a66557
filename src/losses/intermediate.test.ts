import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import type { EncoderOutputs } from '../models/types.js';
import { expectNoLeaks } from '../../test/helpers.js';
import { attentionKL, attentionMSE } from './attention.js';
import { checkIntermediateShapes } from './check-shapes.js';
import { cosineEmbedding, hiddenMSE } from './hidden.js';
import { intermediateLoss } from './intermediate.js';
import type { IntermediateSpec } from './intermediate-spec.js';
import { createProjection } from './projection.js';

const read = (t: tf.Tensor) => t.dataSync()[0];

/** Row-stochastic attention [batch, heads, seq, seq] with masked keys at exactly 0. */
function attention(seed: number, heads: number, mask: tf.Tensor2D): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, seq] = mask.shape;
    const scores = tf.randomNormal([b, heads, seq, seq], 0, 2, 'float32', seed);
    const keys = mask.reshape([b, 1, 1, seq]).cast('bool');
    return tf.softmax(tf.where(keys, scores, tf.fill(scores.shape, -1e9))) as tf.Tensor4D;
  });
}

describe('intermediate-layer losses', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('exclude padding tokens: changing them does not change any loss', async () => {
    await expectNoLeaks(() => {
      const mask = tf.tensor2d([
        [1, 1, 0],
        [1, 0, 0],
      ]);
      const h = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 1),
        ht = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 2);
      const junk = tf.tidy(() => tf.where(mask.cast('bool').expandDims(-1).tile([1, 1, 4]), h, tf.fill(h.shape, 1e3)));
      for (const loss of [hiddenMSE, cosineEmbedding]) {
        const [a, b] = [loss(h, ht, { mask }), loss(junk, ht, { mask })];
        expect(read(a)).toBeCloseTo(read(b), 5);
        tf.dispose([a, b]);
      }
      const as = attention(3, 2, mask),
        at = attention(4, 2, mask);
      const asJunk = tf.tidy(() =>
        as.add(
          tf.scalar(0.3).mul(
            tf
              .tensor2d([
                [0, 0, 1],
                [0, 1, 1],
              ])
              .reshape([2, 1, 3, 1]),
          ),
        ),
      );
      for (const loss of [attentionKL, attentionMSE]) {
        const [a, b] = [loss(as, at, { mask }), loss(asJunk, at, { mask })];
        expect(read(a)).toBeCloseTo(read(b), 5);
        expect(read(a)).toBeGreaterThan(0);
        tf.dispose([a, b]);
      }
      tf.dispose([mask, h, ht, junk, as, at, asJunk]);
    });
  });

  it('average heads when the head counts differ, and are 0 for identical maps', async () => {
    await expectNoLeaks(() => {
      const mask = tf.tensor2d([[1, 1, 1, 0]]);
      const a4 = attention(5, 4, mask);
      const a1 = tf.tidy(() => a4.mean(1, true));
      const losses = [attentionKL(a1, a4, { mask }), attentionMSE(a4, a1, { mask }), attentionKL(a4, a4, { mask })];
      for (const l of losses) expect(Math.abs(read(l))).toBeLessThan(1e-6);
      tf.dispose([mask, a4, a1, ...losses]);
    });
  });

  it('createProjection makes named trainable variables and maps widths', async () => {
    await expectNoLeaks(() => {
      const proj = createProjection(3, 5, 'test/proj_a', { seed: 1 });
      expect(proj.variables.map((v) => [v.name, v.shape, v.trainable])).toEqual([
        ['test/proj_a/kernel', [3, 5], true],
        ['test/proj_a/bias', [5], true],
      ]);
      const x = tf.ones([2, 4, 3]),
        y = proj.apply(x);
      expect(y.shape).toEqual([2, 4, 5]);
      const teacher = tf.zeros([2, 4, 5]);
      const loss = hiddenMSE(x, teacher, { projection: proj });
      const grads = tf.variableGrads(() => hiddenMSE(x, teacher, { projection: proj }), proj.variables);
      expect(Object.keys(grads.grads).sort()).toEqual(['test/proj_a/bias', 'test/proj_a/kernel']);
      expect(read(loss)).toBeGreaterThan(0);
      expect(() => hiddenMSE(x, teacher)).toThrow(/pass a projection/);
      tf.dispose([x, y, teacher, loss, grads.value, ...Object.values(grads.grads)]);
      proj.dispose();
    });
  });

  it('intermediateLoss sums weighted terms and returns each term', async () => {
    await expectNoLeaks(() => {
      const mask = tf.tensor2d([[1, 1, 0]]);
      const student: EncoderOutputs = {
        logits: tf.zeros([1, 2]),
        hidden: [tf.randomNormal([1, 3, 4], 0, 1, 'float32', 7) as tf.Tensor3D],
        attention: [attention(8, 2, mask)],
      };
      const teacher: EncoderOutputs = {
        logits: tf.zeros([1, 2]),
        hidden: [0, 1].map((i) => tf.randomNormal([1, 3, 6], 0, 1, 'float32', 10 + i) as tf.Tensor3D),
        attention: [attention(12, 3, mask), attention(13, 3, mask)],
      };
      const proj = createProjection(4, 6, 'test/proj_b');
      const specs: IntermediateSpec[] = [
        { loss: 'hiddenMse', weight: 2, layerMap: [[0, 1]] },
        {
          loss: 'attentionKl',
          weight: 0.5,
          layerMap: [
            [0, 0],
            [0, 1],
          ],
        },
      ];
      const { total, terms } = intermediateLoss(student, teacher, specs, { mask, projections: { 0: proj } });
      const expected = [
        hiddenMSE(student.hidden![0], teacher.hidden![1], { mask, projection: proj }),
        attentionKL(student.attention![0], teacher.attention![0], { mask }),
        attentionKL(student.attention![0], teacher.attention![1], { mask }),
      ];
      expect(terms.map((t) => [t.loss, t.studentBlock, t.teacherBlock, t.weight])).toEqual([
        ['hiddenMse', 0, 1, 2],
        ['attentionKl', 0, 0, 0.5],
        ['attentionKl', 0, 1, 0.5],
      ]);
      terms.forEach((t, i) => {
        expect(read(t.value)).toBeCloseTo(read(expected[i]), 6);
      });
      expect(read(total)).toBeCloseTo(2 * read(expected[0]) + 0.5 * (read(expected[1]) + read(expected[2])), 5);
      tf.dispose([mask, total, terms.map((t) => t.value), expected]);
      for (const o of [student, teacher]) tf.dispose([o.logits, o.hidden ?? [], o.attention ?? []]);
      proj.dispose();
    });
  });
});

describe('checkIntermediateShapes', () => {
  const student = {
    hidden: [
      [8, 16, 32],
      [8, 16, 32],
    ],
    attention: [[8, 2, 16, 16]],
  };
  const teacher = {
    hidden: [
      [8, 16, 64],
      [8, 16, 64],
      [8, 16, 64],
    ],
    attention: [
      [8, 4, 16, 16],
      [8, 4, 12, 12],
    ],
  };

  it('accepts compatible layers (differing head counts are averaged)', async () => {
    await expectNoLeaks(() => {
      const proj = createProjection(32, 64, 'test/proj_c');
      expect(() =>
        checkIntermediateShapes(
          student,
          teacher,
          [
            { loss: 'hiddenMse', weight: 1, layerMap: [[1, 2]] },
            { loss: 'attentionMse', weight: 1, layerMap: [[0, 0]] },
          ],
          { projections: { 1: proj } },
        ),
      ).not.toThrow();
      proj.dispose();
    });
  });

  it('reports every mismatch in one SHAPE_MISMATCH error naming both layers and shapes', () => {
    let error: unknown;
    try {
      checkIntermediateShapes(student, teacher, [
        {
          loss: 'cosine',
          weight: 1,
          layerMap: [
            [0, 0],
            [5, 1],
          ],
        },
        { loss: 'attentionKl', weight: 1, layerMap: [[0, 1]] },
      ]);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'SHAPE_MISMATCH' });
    const message = (error as Error).message;
    expect(message).toContain('cosine: student hidden[0] vs teacher hidden[0]: [8, 16, 32] vs [8, 16, 64]: widths 32 and 64 differ');
    expect(message).toContain('student hidden[5] vs teacher hidden[1]: missing block (student has 2 hidden outputs, teacher 3)');
    expect(message).toContain(
      'attentionKl: student attention[0] vs teacher attention[1]: [8, 2, 16, 16] vs [8, 4, 12, 12]: batch/seq differ',
    );
  });

  it('rejects malformed specs with INVALID_ARGUMENT', () => {
    const invalid = expect.objectContaining({ code: 'INVALID_ARGUMENT' });
    expect(() => checkIntermediateShapes(student, teacher, [{ loss: 'hiddenMse', weight: -1, layerMap: [[0, 0]] }])).toThrow(invalid);
    expect(() => checkIntermediateShapes(student, teacher, [{ loss: 'hiddenMse', weight: 1, layerMap: [] }])).toThrow(invalid);
    // @ts-expect-error unknown loss name
    expect(() => checkIntermediateShapes(student, teacher, [{ loss: 'mse', weight: 1, layerMap: [[0, 0]] }])).toThrow(
      /valid names|unknown/,
    );
  });
});
