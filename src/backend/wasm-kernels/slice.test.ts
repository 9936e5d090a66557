import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks } from '../../../test/helpers.js';
import { Rng } from '../../util/rng.js';
import { useBackend } from '../use-backend.js';
import { installSliceOverrides, restoreStockSlices } from './slice.js';

/** The stock kernels' result and ours for the same call, both disposed by the caller. */
function both<T extends tf.Tensor | tf.Tensor[]>(f: () => T): [T, T] {
  restoreStockSlices();
  const stock = f();
  installSliceOverrides();
  return [stock, f()];
}

const values = (t: tf.Tensor) => Array.from(t.dataSync());

describe('wasm Slice and Unpack overrides', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  afterEach(() => installSliceOverrides());

  it('Slice equals the stock kernel on random shapes, boxes (long and short runs) and dtypes', async () => {
    const rng = new Rng(11);
    await expectNoLeaks(() => {
      for (let trial = 0; trial < 60; trial++) {
        const rank = 1 + rng.int(5);
        const shape = Array.from({ length: rank }, () => 1 + rng.int(trial % 2 === 0 ? 40 : 5));
        const begin = shape.map((d) => rng.int(d));
        // Some sizes -1 ("to the end"), some 0 (empty), most in range.
        const size = shape.map((d, i) => (rng.int(6) === 0 ? -1 : rng.int(20) === 0 ? 0 : rng.int(d - begin[i] + 1)));
        const dtype = (['float32', 'int32', 'bool'] as const)[trial % 3];
        const n = shape.reduce((p, d) => p * d, 1);
        const x = tf.tensor(Array.from({ length: n }, (_, i) => (dtype === 'bool' ? i % 3 === 0 : i * 3 - 7)) as number[], shape, dtype);
        const [stock, ours] = both(() => tf.slice(x, begin, size));
        const label = `x [${shape}] ${dtype} begin [${begin}] size [${size}]`;
        expect(ours.shape, label).toEqual(stock.shape);
        expect(ours.dtype, label).toBe(stock.dtype);
        expect(values(ours), label).toEqual(values(stock));
        tf.dispose([x, stock, ours]);
      }
    });
  });

  it("Unpack equals the stock kernel on every axis, including attention's [3, b, h, s, dh] block", async () => {
    const rng = new Rng(12);
    await expectNoLeaks(() => {
      const cases: Array<{ shape: number[]; axis: number }> = [{ shape: [3, 2, 4, 16, 8], axis: 0 }];
      for (let trial = 0; trial < 30; trial++) {
        const rank = 1 + rng.int(5);
        const shape = Array.from({ length: rank }, () => 1 + rng.int(trial % 2 === 0 ? 30 : 4));
        cases.push({ shape, axis: rng.int(rank) - (trial % 3 === 0 ? rank : 0) });
      }
      for (const [trial, { shape, axis }] of cases.entries()) {
        const dtype = (['float32', 'int32', 'bool'] as const)[trial % 3];
        const n = shape.reduce((p, d) => p * d, 1);
        const x = tf.tensor(Array.from({ length: n }, (_, i) => (dtype === 'bool' ? i % 2 === 0 : i - 5)) as number[], shape, dtype);
        const [stock, ours] = both(() => tf.unstack(x, axis));
        const label = `x [${shape}] ${dtype} axis ${axis}`;
        expect(ours.length, label).toBe(stock.length);
        ours.forEach((t, i) => {
          expect(t.shape, label).toEqual(stock[i].shape);
          expect(values(t), label).toEqual(values(stock[i]));
        });
        tf.dispose([x, ...stock, ...ours]);
      }
    });
  });

  it('gives the stock gradients through slice and unstack', async () => {
    await expectNoLeaks(() => {
      const x = tf.randomNormal([3, 4, 20, 24], 0, 1, 'float32', 3);
      const w = tf.randomNormal([4, 20, 24], 0, 1, 'float32', 4);
      const f = (t: tf.Tensor): tf.Scalar => {
        const [a, b] = tf.unstack(t);
        return tf.add(tf.sum(tf.mul(a, w)), tf.sum(tf.square(tf.slice(b, [1, 2, 0], [2, 10, -1])))) as tf.Scalar;
      };
      const [stock, ours] = both(() => tf.grad(f)(x));
      expect(values(ours)).toEqual(values(stock));
      tf.dispose([x, w, stock, ours]);
    });
  });
});
