import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks, maxAbsDiff } from '../../../test/helpers.js';
import { useBackend } from '../use-backend.js';
import { installFusedMatMulOverride, restoreStockFusedMatMul } from './fused-matmul.js';

/** `f`'s values with the stock `_FusedMatMul`, then with the override. */
function stockThenOurs(f: () => tf.Tensor | tf.Tensor[]): [Float32Array[], Float32Array[]] {
  const run = (): Float32Array[] => {
    const out = f();
    const list = Array.isArray(out) ? out : [out];
    const values = list.map((t) => t.dataSync() as Float32Array);
    tf.dispose(list);
    return values;
  };
  restoreStockFusedMatMul();
  const stock = run();
  installFusedMatMulOverride();
  return [stock, run()];
}

describe('wasm _FusedMatMul override', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  afterEach(() => installFusedMatMulOverride());

  it('equals matMul + bias (+ relu) with and without bias, in every transpose combo, where stock is right too', async () => {
    // [m, k, n]: SIMD shapes (m % 4, n % 8) and ones it leaves to stock.
    const sizes = [
      [8, 5, 16],
      [12, 33, 24],
      [4, 1, 8],
      [5, 7, 16],
      [8, 7, 12],
    ];
    await expectNoLeaks(() => {
      sizes.forEach(([m, k, n], i) => {
        for (const [tA, tB] of [
          [false, false],
          [false, true],
          [true, false],
          [true, true],
        ]) {
          for (const activation of ['linear', 'relu'] as const) {
            for (const biasShape of [undefined, [n]]) {
              // the stock kernel takes rank-1 biases only
              tf.tidy(() => {
                const a = tf.randomUniform(tA ? [k, m] : [m, k], -1, 1, 'float32', i) as tf.Tensor2D;
                const b = tf.randomUniform(tB ? [n, k] : [k, n], -1, 1, 'float32', 10 + i) as tf.Tensor2D;
                const bias = biasShape && tf.randomUniform(biasShape, -1, 1, 'float32', 20 + i);
                const [[stock], [ours]] = stockThenOurs(() => tf.fused.matMul({ a, b, bias, transposeA: tA, transposeB: tB, activation }));
                // The reference: unfused ops (BatchMatMul is checked against a JS matmul in its own test).
                const product = tf.matMul(a, b, tA, tB);
                const sum = bias ? tf.add(product, bias) : product;
                const want = (activation === 'relu' ? tf.relu(sum) : sum).dataSync();
                const label = `${m}x${k}x${n} tA=${tA} tB=${tB} ${activation} bias ${biasShape}`;
                expect(maxAbsDiff(ours, want), label).toBeLessThanOrEqual(1e-5);
                // The stock kernel is wrong on transposed operands with a bias (tfjs 4.22); the override is not.
                if ((!tA && !tB) || !bias) expect(maxAbsDiff(stock, want), label).toBeLessThanOrEqual(1e-5);
              });
            }
          }
        }
      });
    });
  });

  it('gives a dense layer the same gradients as the stock kernel', async () => {
    await expectNoLeaks(() => {
      tf.tidy(() => {
        const x = tf.randomUniform([16, 12], -1, 1, 'float32', 1) as tf.Tensor2D;
        const w = tf.randomUniform([12, 24], -1, 1, 'float32', 2) as tf.Tensor2D;
        const bias = tf.randomUniform([24], -1, 1, 'float32', 3);
        const dy = tf.randomUniform([16, 24], -1, 1, 'float32', 4);
        const loss = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
          tf.sum(tf.mul(tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias: c }), dy));
        const [stock, ours] = stockThenOurs(() => tf.grads(loss)([x, w, bias]));
        ours.forEach((g, i) => {
          expect(maxAbsDiff(g, stock[i]), `grad ${i}`).toBeLessThanOrEqual(1e-5);
        });
      });
    });
  });
});
