import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks } from '../../../test/helpers.js';
import { Rng } from '../../util/rng.js';
import { useBackend } from '../use-backend.js';
import { installGatherOverride, restoreStockGather } from './gather.js';

/** The stock kernel's result and ours for the same call, both disposed by the caller. */
function both(f: () => tf.Tensor): [tf.Tensor, tf.Tensor] {
  restoreStockGather();
  const stock = f();
  installGatherOverride();
  return [stock, f()];
}

describe('wasm GatherV2 override', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  afterEach(() => installGatherOverride());

  it('equals the stock kernel on random shapes, axes, index shapes and dtypes', async () => {
    const rng = new Rng(5);
    await expectNoLeaks(() => {
      for (let trial = 0; trial < 30; trial++) {
        const rank = 1 + rng.int(4);
        const shape = Array.from({ length: rank }, () => 1 + rng.int(5));
        const axis = rng.int(rank) - (trial % 2 === 0 ? 0 : rank); // negative axes too
        const dim = shape[(axis + rank) % rank];
        const idsShape = Array.from({ length: 1 + rng.int(2) }, () => rng.int(4)); // may hold a 0 (empty)
        const ids = tf.tensor(
          Array.from({ length: idsShape.reduce((p, d) => p * d, 1) }, () => rng.int(dim)),
          idsShape,
          'int32',
        );
        const dtype = (['float32', 'int32', 'bool'] as const)[trial % 3];
        const n = shape.reduce((p, d) => p * d, 1);
        const x = tf.tensor(
          Array.from({ length: n }, (_, i) => (dtype === 'bool' ? i % 2 : i * 3 - 7)),
          shape,
          dtype,
        );
        const [stock, ours] = both(() => tf.gather(x, ids, axis));
        const label = `x [${shape}] ${dtype} axis ${axis} ids [${idsShape}]`;
        expect(ours.shape, label).toEqual(stock.shape);
        expect(ours.dtype, label).toBe(stock.dtype);
        expect(Array.from(ours.dataSync()), label).toEqual(Array.from(stock.dataSync()));
        tf.dispose([x, ids, stock, ours]);
      }
    });
  });

  it('looks up an embedding table and takes its gradient like the stock kernel', async () => {
    await expectNoLeaks(() => {
      const table = tf.randomUniform([50, 8], -1, 1, 'float32', 3);
      const ids = tf.tensor2d(
        [
          [1, 4, 4, 0],
          [49, 2, 0, 0],
        ],
        [2, 4],
        'int32',
      );
      const w = tf.randomUniform([8, 8], -1, 1, 'float32', 4);
      const f = (t: tf.Tensor): tf.Scalar =>
        tf
          .gather(t, ids.reshape([-1]))
          .mul(w)
          .sum();
      const [stock, ours] = both(() => tf.grad(f)(table));
      expect(Array.from(ours.dataSync())).toEqual(Array.from(stock.dataSync()));
      const [s2, o2] = both(() => tf.gather(table, ids));
      expect(o2.shape).toEqual([2, 4, 8]);
      expect(Array.from(o2.dataSync())).toEqual(Array.from(s2.dataSync()));
      tf.dispose([table, ids, w, stock, ours, s2, o2]);
    });
  });

  it('rejects an out-of-range index with the stock message', async () => {
    await expectNoLeaks(() => {
      const x = tf.tensor2d([
        [1, 2],
        [3, 4],
      ]);
      const ids = tf.tensor1d([0, 2], 'int32');
      expect(() => tf.gather(x, ids)).toThrow('GatherV2: the index value 2 is not in [0, 1]');
      const neg = tf.tensor1d([-1], 'int32');
      expect(() => tf.gather(x, neg)).toThrow('GatherV2: the index value -1 is not in [0, 1]');
      tf.dispose([x, ids, neg]);
    });
  });

  it('gathers per batch with batchDims > 0 (the stock 4.22 kernel reads batch 0 only)', async () => {
    await expectNoLeaks(() => {
      const x = tf.tensor3d([
        [
          [1, 2],
          [3, 4],
        ],
        [
          [5, 6],
          [7, 8],
        ],
      ]);
      const ids = tf.tensor2d([[1], [0]], [2, 1], 'int32');
      const out = tf.gather(x, ids, 1, 1); // out[b, i, :] = x[b, ids[b, i], :]
      expect(out.shape).toEqual([2, 1, 2]);
      expect(Array.from(out.dataSync())).toEqual([3, 4, 5, 6]);
      // batch 2, outer 2 (axis 2), 3 ids per batch, slice 1
      const y = tf.tensor3d(
        Array.from({ length: 2 * 2 * 4 }, (_, i) => i),
        [2, 2, 4],
      );
      const ids2 = tf.tensor2d(
        [
          [3, 0, 3],
          [1, 2, 1],
        ],
        [2, 3],
        'int32',
      );
      const out2 = tf.gather(y, ids2, 2, 1); // [2, 2, 3]
      expect(out2.shape).toEqual([2, 2, 3]);
      expect(Array.from(out2.dataSync())).toEqual([3, 0, 3, 7, 4, 7, 9, 10, 9, 13, 14, 13]);
      tf.dispose([x, ids, out, y, ids2, out2]);
    });
  });
});
