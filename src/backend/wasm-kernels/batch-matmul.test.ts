import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks, maxAbsDiff } from '../../../test/helpers.js';
import { Rng } from '../../util/rng.js';
import { useBackend } from '../use-backend.js';
import { installBatchMatMulOverride, isBatchMatMulOverridden, minSliceMacs, restoreStockBatchMatMul } from './batch-matmul.js';

const combos = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
] as const;

/** Uniform [-1, 1) values from a seeded stream, so failures reproduce. */
function randomTensor(rng: Rng, shape: number[]): tf.Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => rng.next() * 2 - 1),
    shape,
  );
}

/** Shape as the op receives it when the operand is marked transposed: last two axes swapped. */
const stored = (shape: number[], transposed: boolean): number[] =>
  transposed ? [...shape.slice(0, -2), shape[shape.length - 1], shape[shape.length - 2]] : shape;

/**
 * Plain-JS reference: a [...batchA, m, k] @ b [...batchB, k, n] (untransposed layouts) with numpy
 * batch broadcasting, in float64.
 */
function referenceMatMul(a: tf.Tensor, b: tf.Tensor): number[] {
  const [m, k] = a.shape.slice(-2);
  const n = b.shape[b.shape.length - 1];
  const outBatch = tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const [av, bv] = [a.dataSync(), b.dataSync()];
  const sourceOf = (o: number, batch: number[]): number => {
    const padded = [...new Array<number>(outBatch.length - batch.length).fill(1), ...batch];
    let [rest, index, stride] = [o, 0, 1];
    for (let d = outBatch.length - 1; d >= 0; d--) {
      if (padded[d] !== 1) index += (rest % outBatch[d]) * stride;
      rest = Math.floor(rest / outBatch[d]);
      stride *= padded[d];
    }
    return index;
  };
  const out: number[] = [];
  for (let o = 0; o < outBatch.reduce((p, d) => p * d, 1); o++) {
    const [ia, ib] = [sourceOf(o, a.shape.slice(0, -2)) * m * k, sourceOf(o, b.shape.slice(0, -2)) * k * n];
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) sum += av[ia + i * k + p] * bv[ib + p * n + j];
        out.push(sum);
      }
    }
  }
  return out;
}

/** Swaps the last two axes when `transposed` (to build the operand tf.matMul is told is transposed). */
const maybeTranspose = (x: tf.Tensor, transposed: boolean): tf.Tensor => {
  const perm = x.shape.map((_, i) => i);
  perm.push(...perm.splice(-2).reverse());
  return transposed ? tf.transpose(x, perm) : x.clone();
};

/** Runs `f` once with the stock wasm kernel and once with the override; returns both results' values. */
function stockAndOverride(f: () => tf.Tensor | tf.Tensor[]): [Float32Array[], Float32Array[]] {
  const run = (): Float32Array[] => {
    const out = f();
    const list = Array.isArray(out) ? out : [out];
    const values = list.map((t) => t.dataSync() as Float32Array);
    tf.dispose(list);
    return values;
  };
  restoreStockBatchMatMul();
  const stock = run();
  installBatchMatMulOverride();
  expect(isBatchMatMulOverridden()).toBe(true);
  return [stock, run()];
}

describe('wasm BatchMatMul override', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  afterEach(() => installBatchMatMulOverride());

  it('matches a JS reference and the stock kernel on fixed and random shapes, all transpose combos, broadcast batches', async () => {
    const rng = new Rng(7);
    const r = (lo: number, hi: number): number => lo + rng.int(hi - lo + 1);
    // [a shape, b shape] untransposed: a [...batchA, m, k], b [...batchB, k, n].
    const pairs: [number[], number[]][] = [
      [
        [5, 7],
        [7, 3],
      ],
      [
        [1, 1],
        [1, 1],
      ],
      [
        [2, 5, 7],
        [2, 7, 3],
      ],
      [
        [2, 3, 5, 7],
        [7, 4],
      ], // b not batched: folded into one matmul
      [
        [5, 7],
        [4, 7, 3],
      ], // a not batched, b batched
      [
        [2, 1, 5, 7],
        [1, 3, 7, 4],
      ], // both broadcast
      [
        [3, 5, 7],
        [1, 7, 4],
      ],
      // Slices big enough for per-slice XNNPACK (m*k*n >= minSliceMacs), incl. broadcasts.
      [
        [2, 24, 20],
        [2, 20, 20],
      ],
      [
        [24, 20],
        [3, 20, 20],
      ],
      [
        [2, 1, 24, 20],
        [1, 2, 20, 20],
      ],
      // The SIMD kernel's shapes (rows a multiple of 4, n of 8): plain, folded, equal batches, b of higher rank.
      [
        [8, 7],
        [7, 16],
      ],
      [
        [2, 3, 4, 5],
        [5, 8],
      ],
      [
        [3, 8, 9],
        [3, 9, 16],
      ],
      [
        [2, 3, 4, 13],
        [2, 3, 13, 8],
      ],
      [
        [4, 6],
        [1, 1, 6, 8],
      ],
      [
        [1, 12, 33],
        [1, 33, 24],
      ],
    ];
    expect(24 * 20 * 20).toBeGreaterThanOrEqual(minSliceMacs);
    for (let i = 0; i < 6; i++) {
      const [m, k, n] = [r(1, 9), r(1, 9), r(1, 9)];
      const batch = [r(1, 3), r(1, 3)];
      const bBatch = batch.map((d) => (rng.next() < 0.3 ? 1 : d));
      pairs.push([
        [...batch, m, k],
        [...bBatch, k, n],
      ]);
    }
    await expectNoLeaks(() => {
      const dataIds = tf.backend().numDataIds();
      for (const [aShape, bShape] of pairs) {
        for (const [tA, tB] of combos) {
          const [a, b] = [randomTensor(rng, aShape), randomTensor(rng, bShape)];
          const [aT, bT] = [maybeTranspose(a, tA), maybeTranspose(b, tB)];
          const [[stock], [ours]] = stockAndOverride(() => tf.matMul(aT, bT, tA, tB));
          const label = `${aShape} x ${bShape} tA=${tA} tB=${tB}`;
          expect(maxAbsDiff(ours, referenceMatMul(a, b)), label).toBeLessThanOrEqual(1e-5);
          // The stock kernel sizes its output max(batchA, batchB), wrong when both sides broadcast.
          const batchOf = (x: tf.Tensor): number => x.shape.slice(0, -2).reduce((p, d) => p * d, 1);
          const sliceSize = aShape[aShape.length - 2] * bShape[bShape.length - 1]; // m * n
          const bothBroadcast = ours.length / sliceSize > Math.max(batchOf(a), batchOf(b));
          if (!bothBroadcast) expect(maxAbsDiff(ours, stock), label).toBeLessThanOrEqual(1e-5);
          tf.dispose([a, b, aT, bT]);
        }
      }
      // Views onto operand slices must all be released again.
      expect(tf.backend().numDataIds()).toBe(dataIds);
    });
  });

  it('gives the same gradients as the stock kernel for each transpose combo', async () => {
    const rng = new Rng(11);
    await expectNoLeaks(() => {
      // Slices large enough (m*k*n >= minSliceMacs) that the batched case runs per-slice XNNPACK; then SIMD shapes.
      for (const [aShape, bShape] of [
        [
          [24, 20],
          [20, 20],
        ],
        [
          [2, 24, 20],
          [2, 20, 20],
        ],
        [
          [16, 12],
          [12, 8],
        ],
        [
          [2, 8, 12],
          [2, 12, 16],
        ],
      ] as const) {
        for (const [tA, tB] of combos) {
          const a = randomTensor(rng, stored([...aShape], tA));
          const b = randomTensor(rng, stored([...bShape], tB));
          const w = randomTensor(rng, [...aShape.slice(0, -1), bShape[bShape.length - 1]]);
          const loss = (x: tf.Tensor, y: tf.Tensor): tf.Scalar => tf.matMul(x, y, tA, tB).mul(w).sum();
          const [stock, ours] = stockAndOverride(() => tf.grads(loss)([a, b]));
          for (const i of [0, 1]) {
            expect(maxAbsDiff(ours[i], stock[i]), `grad ${i} ${aShape} tA=${tA} tB=${tB}`).toBeLessThanOrEqual(1e-5);
          }
          tf.dispose([a, b, w]);
        }
      }
    });
  });

  it('is correct when one buffer is used as b under two shapes (XNNPACK caches packing by tensor id)', async () => {
    await expectNoLeaks(() => {
      const w = tf.tensor(
        Array.from({ length: 24 }, (_, i) => (i % 7) - 3),
        [6, 4],
      );
      const x1 = tf.ones([2, 6]);
      const x2 = tf.tensor(
        Array.from({ length: 12 }, (_, i) => i / 4),
        [3, 4],
      );
      tf.matMul(x1, w).dispose(); // packs w as a [6, 4] right operand
      const w46 = w.reshape([4, 6]); // same buffer, same id
      const got = tf.matMul(x2, w46);
      const [xs, ws] = [x2.arraySync() as number[][], w46.arraySync() as number[][]];
      const want = xs.map((row) => ws[0].map((_, j) => row.reduce((s, v, k) => s + v * ws[k][j], 0)));
      expect(maxAbsDiff(got.dataSync(), want.flat())).toBeLessThanOrEqual(1e-5);
      tf.dispose([w, x1, x2, w46, got]);
    });
  });

  it('leaves non-float32 inputs to the stock kernel and its error', async () => {
    await expectNoLeaks(() => {
      const a = tf.ones([2, 2], 'int32');
      expect(() => tf.matMul(a, a)).toThrow(/float32/);
      a.dispose();
    });
  });
});
