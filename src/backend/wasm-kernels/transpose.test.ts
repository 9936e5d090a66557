import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks } from '../../../test/helpers.js';
import { Rng } from '../../util/rng.js';
import { useBackend } from '../use-backend.js';
import { collapseTranspose, installTransposeOverride, restoreStockTranspose } from './transpose.js';

describe('collapseTranspose', () => {
  it('drops size-1 axes and merges axes that stay adjacent', () => {
    expect(collapseTranspose([2, 3, 4], [1, 2, 0])).toEqual({ shape: [2, 12], perm: [1, 0] });
    expect(collapseTranspose([32, 128, 3, 2, 64], [2, 0, 3, 1, 4])).toEqual({ shape: [32, 128, 3, 2, 64], perm: [2, 0, 3, 1, 4] });
    expect(collapseTranspose([5, 1, 6, 7], [1, 0, 2, 3])).toEqual({ shape: [210], perm: [0] });
    expect(collapseTranspose([2, 3, 1, 4, 5], [3, 4, 2, 0, 1])).toEqual({ shape: [6, 20], perm: [1, 0] });
  });
});

describe('wasm Transpose override', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  afterEach(() => installTransposeOverride());

  it('equals the stock kernel on random rank 4-7 permutations, float32, int32 and bool', async () => {
    const rng = new Rng(21);
    let viaOverride = 0; // trials that do not collapse to rank <= 4 (those stay on the stock kernel)
    await expectNoLeaks(() => {
      for (let trial = 0; trial < 24; trial++) {
        const rank = 4 + rng.int(4);
        const shape = Array.from({ length: rank }, () => (rng.next() < 0.15 ? 1 : 2 + rng.int(3)));
        const perm = Array.from({ length: rank }, (_, i) => i);
        for (let i = rank - 1; i > 0; i--) {
          const j = rng.int(i + 1);
          [perm[i], perm[j]] = [perm[j], perm[i]];
        }
        if (collapseTranspose(shape, perm).shape.length >= 5) viaOverride++;
        const dtype = (['float32', 'int32', 'bool'] as const)[trial % 3];
        const n = shape.reduce((p, d) => p * d, 1);
        const values =
          dtype === 'bool' ? Array.from({ length: n }, (_, i) => i % 3 === 0) : Array.from({ length: n }, (_, i) => i * 7 - 11);
        const x = tf.tensor(values, shape, dtype);
        restoreStockTranspose();
        const stock = tf.transpose(x, perm);
        installTransposeOverride();
        const ours = tf.transpose(x, perm);
        const label = `${shape} perm ${perm} ${dtype}`;
        expect(ours.shape, label).toEqual(stock.shape);
        expect(ours.dtype, label).toBe(dtype);
        expect(Array.from(ours.dataSync()), label).toEqual(Array.from(stock.dataSync()));
        tf.dispose([x, stock, ours]);
      }
    });
    expect(viaOverride).toBeGreaterThanOrEqual(5);
  });

  it('equals the stock kernel on matrix transposes (the SIMD tiles, and the sizes they leave to stock)', async () => {
    const cases: [number[], number[], 'float32' | 'int32' | 'bool'][] = [
      [[8, 12], [1, 0], 'float32'],
      [[4, 4], [1, 0], 'int32'],
      [[3, 8, 4], [0, 2, 1], 'float32'], // batched
      [[2, 3, 4, 8], [0, 1, 3, 2], 'int32'], // collapses to [6, 4, 8]
      [[2, 3, 16], [2, 0, 1], 'float32'], // collapses to [6, 16] -> [16, 6]: 6 is not a multiple of 4, stock
      [[5, 8], [1, 0], 'float32'], // stock
      [[8, 12], [1, 0], 'bool'], // 1-byte elements: stock
      [[64, 128], [1, 0], 'float32'],
    ];
    await expectNoLeaks(() => {
      for (const [shape, perm, dtype] of cases) {
        const n = shape.reduce((p, d) => p * d, 1);
        const values = Array.from({ length: n }, (_, i) => i * 7 - 11);
        const x = tf.tensor(dtype === 'bool' ? values.map((v) => v % 3 === 0) : values, shape, dtype);
        restoreStockTranspose();
        const stock = tf.transpose(x, perm);
        installTransposeOverride();
        const ours = tf.transpose(x, perm);
        const label = `${shape} perm ${perm} ${dtype}`;
        expect(ours.shape, label).toEqual(stock.shape);
        expect(Array.from(ours.dataSync()), label).toEqual(Array.from(stock.dataSync()));
        tf.dispose([x, stock, ours]);
      }
    });
  });

  it("transposes attention's head split and its gradient like the stock kernel", async () => {
    await expectNoLeaks(() => {
      const x = tf.randomUniform([2, 5, 3, 2, 4], -1, 1, 'float32', 4); // [batch, seq, 3, heads, dHead]
      const w = tf.randomUniform([3, 2, 2, 5, 4], -1, 1, 'float32', 5);
      const f = (t: tf.Tensor): tf.Scalar => tf.transpose(t, [2, 0, 3, 1, 4]).mul(w).sum();
      restoreStockTranspose();
      const stock = tf.grad(f)(x);
      installTransposeOverride();
      const ours = tf.grad(f)(x);
      expect(Array.from(ours.dataSync())).toEqual(Array.from(stock.dataSync()));
      tf.dispose([x, w, stock, ours]);
    });
  });
});
