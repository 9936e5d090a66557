import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { Rng } from '../util/rng.js';
import { expectNoLeaks } from '../../test/helpers.js';
import { softTargetKL } from './soft-target.js';
import { topK } from './top-k.js';

/** float64 reference: T^2 * mean_rows KL(softmax(t/T) || softmax(s/T)) for [rows, C] arrays. */
function referenceKL(s: number[][], t: number[][], T: number): number {
  const logSoftmax = (x: number[]) => {
    const m = Math.max(...x.map((v) => v / T));
    const lse = m + Math.log(x.reduce((acc, v) => acc + Math.exp(v / T - m), 0));
    return x.map((v) => v / T - lse);
  };
  let total = 0;
  for (let r = 0; r < s.length; r++) {
    const lq = logSoftmax(s[r]),
      lp = logSoftmax(t[r]);
    total += lp.reduce((acc, v, c) => acc + Math.exp(v) * (v - lq[c]), 0);
  }
  return (T * T * total) / s.length;
}

function randomLogits(rng: Rng, rows: number, classes: number, scale: number): number[][] {
  return Array.from({ length: rows }, () => Array.from({ length: classes }, () => Math.fround((rng.next() * 2 - 1) * scale)));
}

describe('softTargetKL', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('is finite and correct for logits of magnitude 1e4 and T from 0.5 to 100', async () => {
    const rng = new Rng(3);
    const s = randomLogits(rng, 4, 50, 1e4),
      t = randomLogits(rng, 4, 50, 1e4);
    await expectNoLeaks(() => {
      const student = tf.tensor2d(s),
        teacher = tf.tensor2d(t);
      for (const T of [0.5, 1, 4, 20, 100]) {
        const loss = softTargetKL(student, teacher, { temperature: T });
        const grad = tf.grad((x: tf.Tensor) => softTargetKL(x, teacher, { temperature: T }))(student);
        const value = loss.dataSync()[0];
        expect(Number.isFinite(value), `T=${T}`).toBe(true);
        expect(Math.abs(value - referenceKL(s, t, T)) / referenceKL(s, t, T), `T=${T}`).toBeLessThan(1e-4);
        expect(
          tf.tidy(() => grad.isFinite().all().dataSync()[0]),
          `grad finite at T=${T}`,
        ).toBe(1);
        // d/ds of T^2 KL / rows = T (q - p) / rows: each row's gradient sums to 0.
        expect(Math.max(...tf.tidy(() => grad.sum(-1).abs().dataSync()))).toBeLessThan(1e-3 * T);
        tf.dispose([loss, grad]);
      }
      tf.dispose([student, teacher]);
    });
  });

  it('is zero for identical logits and invariant to a per-row shift', async () => {
    await expectNoLeaks(() => {
      const x = tf.tensor2d([
        [1, 2, 3],
        [-5, 0, 5],
      ]);
      const x2 = x.mul(2),
        xShift = x.add(100),
        x2Shift = x2.sub(7);
      const same = softTargetKL(x, x, { temperature: 2 });
      const a = softTargetKL(x, x2, { temperature: 2 });
      const b = softTargetKL(xShift, x2Shift, { temperature: 2 });
      expect(same.dataSync()[0]).toBeCloseTo(0, 6);
      expect(a.dataSync()[0]).toBeGreaterThan(0.1);
      expect(b.dataSync()[0]).toBeCloseTo(a.dataSync()[0], 4);
      tf.dispose([x, x2, xShift, x2Shift, same, a, b]);
    });
  });

  it('scales by T^2 only when asked', async () => {
    await expectNoLeaks(() => {
      const s = tf.tensor2d([[0.3, -1, 2]]),
        t = tf.tensor2d([[1, 0, -1]]);
      const scaled = softTargetKL(s, t, { temperature: 3 });
      const plain = softTargetKL(s, t, { temperature: 3, scaleByTemperatureSquared: false });
      expect(scaled.dataSync()[0]).toBeCloseTo(plain.dataSync()[0] * 9, 5);
      tf.dispose([s, t, scaled, plain]);
    });
  });

  it('ignores masked positions even when they hold huge garbage', async () => {
    await expectNoLeaks(() => {
      const s = tf.tensor3d([
        [
          [1, 2],
          [1e30, 0],
        ],
        [
          [0, 1],
          [3, -1e30],
        ],
      ]);
      const t = tf.tensor3d([
        [
          [2, 1],
          [0, 0],
        ],
        [
          [1, 1],
          [0, 0],
        ],
      ]);
      const mask = tf.tensor2d([
        [1, 0],
        [1, 0],
      ]);
      const masked = softTargetKL(s, t, { temperature: 1, mask });
      const s2 = tf.tensor2d([
          [1, 2],
          [0, 1],
        ]),
        t2 = tf.tensor2d([
          [2, 1],
          [1, 1],
        ]);
      const kept = softTargetKL(s2, t2, { temperature: 1 });
      const grad = tf.grad((x: tf.Tensor) => softTargetKL(x, t, { temperature: 1, mask }))(s);
      expect(masked.dataSync()[0]).toBeCloseTo(kept.dataSync()[0], 6);
      const g = grad.arraySync() as number[][][];
      expect([...g[0][1], ...g[1][1]].map(Math.abs)).toEqual([0, 0, 0, 0]);
      expect(g.flat(2).every(Number.isFinite)).toBe(true);
      tf.dispose([s, t, mask, masked, s2, t2, kept, grad]);
    });
  });

  it('rejects bad temperatures, shapes and ranks', async () => {
    await expectNoLeaks(() => {
      const a = tf.zeros([2, 3]),
        b = tf.zeros([2, 4]),
        c = tf.zeros([6]),
        badMask = tf.ones([3]);
      expect(() => softTargetKL(a, a, { temperature: 0 })).toThrow(/temperature/);
      expect(() => softTargetKL(a, a, { temperature: NaN })).toThrow(/temperature/);
      expect(() => softTargetKL(a, b, { temperature: 1 })).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
      expect(() => softTargetKL(c, c, { temperature: 1 })).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
      expect(() => softTargetKL(a, a, { temperature: 1, mask: badMask })).toThrow(/mask/);
      tf.dispose([a, b, c, badMask]);
    });
  });
});

describe('softTargetKL with a top-k teacher', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('topK keeps the k largest logits, sorted, with int32 indices', async () => {
    await expectNoLeaks(() => {
      const x = tf.tensor2d([
        [0.1, 5, -2, 3],
        [9, 8, 7, 6],
      ]);
      const { values, indices } = topK(x, 2);
      expect(values.arraySync()).toEqual(
        [
          [5, 3],
          [9, 8],
        ].map((r) => r.map(Math.fround)),
      );
      expect(indices.dtype).toBe('int32');
      expect(indices.arraySync()).toEqual([
        [1, 3],
        [0, 1],
      ]);
      expect(() => topK(x, 5)).toThrow(/k must be/);
      tf.dispose([x, values, indices]);
    });
  });

  it('equals the dense loss when k = classes, in both modes', async () => {
    const rng = new Rng(9);
    await expectNoLeaks(() => {
      const s = tf.tensor(randomLogits(rng, 6, 7, 3).flat(), [2, 3, 7]),
        t = tf.tensor(randomLogits(rng, 6, 7, 3).flat(), [2, 3, 7]);
      const dense = softTargetKL(s, t, { temperature: 2 });
      const cached = topK(t, 7);
      for (const topKMode of ['renormalize', 'uniform'] as const) {
        const loss = softTargetKL(s, cached, { temperature: 2, topKMode });
        expect(loss.dataSync()[0]).toBeCloseTo(dense.dataSync()[0], 5);
        loss.dispose();
      }
      tf.dispose([s, t, dense, cached]);
    });
  });

  it("'renormalize' is the dense loss of a teacher with no mass outside the k classes", async () => {
    await expectNoLeaks(() => {
      const s = tf.tensor2d([[0.5, -1, 2, 0.3, 1]]);
      const t = tf.tensor2d([[3, -1e9, 1, -1e9, 2]]);
      const cached = topK(t, 3);
      const [dense, renorm] = [softTargetKL(s, t, { temperature: 2 }), softTargetKL(s, cached, { temperature: 2 })];
      expect(renorm.dataSync()[0]).toBeCloseTo(dense.dataSync()[0], 5);
      tf.dispose([s, t, cached, dense, renorm]);
    });
  });

  it("'uniform' is exact when the tail is flat at the smallest kept logit, and differs from 'renormalize'", async () => {
    await expectNoLeaks(() => {
      const s = tf.tensor2d([[0.5, -1, 2, 0.3, 1, 0]]);
      const t = tf.tensor2d([[4, 1, 2, 1, 1, 1]]); // top-3 = 4, 2, 1; the rest sits at 1
      const cached = topK(t, 3);
      const losses = [
        softTargetKL(s, t, { temperature: 3 }),
        softTargetKL(s, cached, { temperature: 3, topKMode: 'uniform' }),
        softTargetKL(s, cached, { temperature: 3, topKMode: 'renormalize' }),
      ];
      const [dense, uniform, renorm] = losses.map((l) => l.dataSync()[0]);
      expect(uniform).toBeCloseTo(dense, 5);
      expect(Math.abs(renorm - dense)).toBeGreaterThan(0.01);
      tf.dispose([s, t, cached, ...losses]);
    });
  });

  it('rejects a top-k teacher that does not fit the student', async () => {
    await expectNoLeaks(() => {
      const s = tf.zeros([2, 4]);
      const wrongRows = { values: tf.zeros([3, 2]), indices: tf.zeros([3, 2], 'int32') };
      const floatIdx = { values: tf.zeros([2, 2]), indices: tf.zeros([2, 2]) };
      expect(() => softTargetKL(s, wrongRows, { temperature: 1 })).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
      expect(() => softTargetKL(s, floatIdx, { temperature: 1 })).toThrow(/int32/);
      // @ts-expect-error not a mode
      expect(() => softTargetKL(s, s, { temperature: 1, topKMode: 'spread' })).toThrow(/topKMode/);
      tf.dispose([s, wrongRows, floatIdx]);
    });
  });

  it('stays exact when the teacher puts its mass where the student is far below it (log1p would hit log 0)', async () => {
    // float64 reference: T^2 * mean_rows sum_c p_c (log p_c - log q_c)
    const lse = (xs: number[]) => {
      const m = Math.max(...xs);
      return m + Math.log(xs.reduce((a, x) => a + Math.exp(x - m), 0));
    };
    const reference = (t: number[][], s: number[][], T: number) =>
      (T *
        T *
        t.reduce((acc, row, i) => {
          const lt = row.map((x) => x / T),
            ls = s[i].map((x) => x / T);
          const lp = lt.map((x) => x - lse(lt)),
            lq = ls.map((x) => x - lse(ls));
          return acc + lp.reduce((a, l, c) => a + Math.exp(l) * (l - lq[c]), 0);
        }, 0)) /
      t.length;
    await expectNoLeaks(() => {
      for (const gap of [10, 34, 36, 40, 50, 60, 80]) {
        const tv = [
            [gap, 0],
            [0, gap],
          ],
          sv = [
            [0.5, -0.5],
            [0.1, 0.2],
          ];
        const t = tf.tensor2d(tv),
          s = tf.tensor2d(sv);
        const loss = softTargetKL(s, t, { temperature: 2 });
        const v = loss.dataSync()[0];
        expect(Number.isFinite(v), `gap ${gap}`).toBe(true);
        expect(Math.abs(v - reference(tv, sv, 2)) / reference(tv, sv, 2)).toBeLessThan(1e-5);
        tf.dispose([t, s, loss]);
      }
    });
  });
});
