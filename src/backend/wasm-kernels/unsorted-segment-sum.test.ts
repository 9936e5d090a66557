import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks, maxAbsDiff } from '../../../test/helpers.js';
import { Rng } from '../../util/rng.js';
import { useBackend } from '../use-backend.js';

interface Case {
  x: number[];
  shape: number[];
  ids: number[];
  numSegments: number;
  dtype: 'float32' | 'int32';
}

/** Values of `f(case)` on the given backend, as plain numbers (computed, read, disposed). */
async function on(backend: 'cpu' | 'wasm', f: () => tf.Tensor): Promise<number[]> {
  await useBackend(backend);
  const t = f();
  const values = Array.from(await t.data());
  t.dispose();
  return values;
}

describe('wasm UnsortedSegmentSum', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('is registered on wasm', () => {
    expect(tf.getKernel('UnsortedSegmentSum', 'wasm')).toBeDefined();
  });

  it('matches the cpu kernel: duplicates, unused and out-of-range ids, 1-D to 3-D x, int32', async () => {
    const rng = new Rng(3);
    const values = (n: number, dtype: 'float32' | 'int32'): number[] =>
      Array.from({ length: n }, () => (dtype === 'int32' ? rng.int(19) - 9 : rng.next() * 2 - 1));
    const cases: Case[] = [
      { x: values(6, 'float32'), shape: [6], ids: [0, 2, 2, 4, 0, 2], numSegments: 5, dtype: 'float32' },
      { x: values(24, 'float32'), shape: [6, 4], ids: [3, 1, 3, 3, -1, 6], numSegments: 6, dtype: 'float32' },
      { x: values(30, 'float32'), shape: [5, 3, 2], ids: [1, 1, 0, 1, 0], numSegments: 3, dtype: 'float32' },
      { x: values(12, 'int32'), shape: [4, 3], ids: [2, 0, 2, 2], numSegments: 4, dtype: 'int32' },
    ];
    await expectNoLeaks(async () => {
      for (const c of cases) {
        const f = (): tf.Tensor =>
          tf.tidy(() => tf.unsortedSegmentSum(tf.tensor(c.x, c.shape, c.dtype), tf.tensor1d(c.ids, 'int32'), c.numSegments));
        const cpu = await on('cpu', f);
        const wasm = await on('wasm', f);
        expect(wasm.length).toBe((c.numSegments * c.x.length) / c.shape[0]);
        expect(maxAbsDiff(wasm, cpu), JSON.stringify(c.shape)).toBeLessThanOrEqual(1e-6);
      }
    });
  });

  it('gives tf.gather a gradient on wasm equal to the cpu one', async () => {
    const rng = new Rng(5);
    const table = Array.from({ length: 40 }, () => rng.next() - 0.5);
    const ids = [7, 1, 7, 7, 0, 3, 9, 1];
    const weights = Array.from({ length: ids.length * 4 }, () => rng.next());
    const grad = (): tf.Tensor =>
      tf.tidy(() => {
        const w = tf.tensor2d(weights, [ids.length, 4]);
        const loss = (t: tf.Tensor): tf.Scalar => tf.gather(t, tf.tensor1d(ids, 'int32')).mul(w).sum();
        return tf.grad(loss)(tf.tensor2d(table, [10, 4]));
      });
    await expectNoLeaks(async () => {
      const cpu = await on('cpu', grad);
      const wasm = await on('wasm', grad);
      expect(maxAbsDiff(wasm, cpu)).toBeLessThanOrEqual(1e-6);
    });
  });
});
