import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks, maxAbsDiff } from '../../../test/helpers.js';
import { useBackend } from '../use-backend.js';
import { installSumOverride, restoreStockSum } from './sum.js';

describe('wasm Sum override', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  afterEach(() => installSumOverride());

  it('equals the stock kernel for leading, inner, mixed and all axes, keepDims, int32', async () => {
    const cases: [number[], number | number[], boolean, 'float32' | 'int32'][] = [
      [[64, 24], 0, false, 'float32'],
      [[64, 24], [0], true, 'float32'],
      [[4, 16, 24], [1, 0], false, 'float32'], // unsorted leading axes
      [[4, 16, 24], [-3, -2], true, 'float32'],
      [[4, 16, 24], 2, false, 'float32'], // innermost: stock path
      [[4, 16, 24], [0, 2], false, 'float32'], // not leading: stock path
      [[4, 16, 24], [0, 1, 2], false, 'float32'], // everything: stock path
      [[64, 24], 0, false, 'int32'], // int32: stock path
      [[1, 5], 0, false, 'float32'],
    ];
    await expectNoLeaks(() => {
      for (const [shape, axis, keepDims, dtype] of cases) {
        const x = tf.tidy(() => tf.randomUniform(shape, -10, 10, 'float32', 9).cast(dtype));
        restoreStockSum();
        const stock = tf.sum(x, axis, keepDims);
        installSumOverride();
        const ours = tf.sum(x, axis, keepDims);
        const label = `${shape} axis ${axis} keepDims ${keepDims} ${dtype}`;
        expect(ours.shape, label).toEqual(stock.shape);
        expect(ours.dtype, label).toBe(stock.dtype);
        expect(maxAbsDiff(ours.dataSync(), stock.dataSync()), label).toBeLessThanOrEqual(1e-4);
        tf.dispose([x, stock, ours]);
      }
    });
  });

  it('gives a Dense bias the same gradient as the stock kernel', async () => {
    await expectNoLeaks(() => {
      const dy = tf.randomUniform([2, 50, 12], -1, 1, 'float32', 3); // [batch, seq, units]
      const bias = tf.zeros([12]);
      const f = (b: tf.Tensor): tf.Scalar =>
        tf
          .add(tf.zeros([2, 50, 12]), b)
          .mul(dy)
          .sum();
      restoreStockSum();
      const stock = tf.grad(f)(bias);
      installSumOverride();
      const ours = tf.grad(f)(bias);
      expect(maxAbsDiff(ours.dataSync(), stock.dataSync())).toBeLessThanOrEqual(1e-5);
      tf.dispose([dy, bias, stock, ours]);
    });
  });
});
