import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks, maxAbsDiff } from '../../test/helpers.js';
import { Rng } from '../util/rng.js';
import { embeddingLookup } from './embedding.js';
import { useBackend } from './use-backend.js';

describe('embeddingLookup', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('has, on wasm, the gradient of plain tf.gather on cpu (duplicate ids summed)', async () => {
    const rng = new Rng(13);
    const [vocab, dim] = [12, 5];
    const table = Array.from({ length: vocab * dim }, () => rng.next() * 2 - 1);
    const ids = [
      [3, 3, 0, 11, 3],
      [7, 0, 0, 5, 11],
    ]; // [batch, seq], with repeats
    const upstream = Array.from({ length: 10 * dim }, () => rng.next() * 2 - 1); // [batch, seq, dim]

    await expectNoLeaks(async () => {
      await useBackend('cpu');
      const expected = tf.tidy(() => {
        const dy = tf.tensor3d(upstream, [2, 5, dim]);
        const loss = (t: tf.Tensor): tf.Scalar =>
          tf
            .gather(t, tf.tensor2d(ids, [2, 5], 'int32'))
            .mul(dy)
            .sum();
        return tf.grad(loss)(tf.tensor2d(table, [vocab, dim]));
      });
      const want = Array.from(await expected.data());
      expected.dispose();

      await useBackend('wasm');
      const [out, grad] = tf.tidy(() => {
        const dy = tf.tensor3d(upstream, [2, 5, dim]);
        const idsT = tf.tensor2d(ids, [2, 5], 'int32');
        const tableT = tf.tensor2d(table, [vocab, dim]);
        const loss = (t: tf.Tensor): tf.Scalar =>
          embeddingLookup(t as tf.Tensor2D, idsT)
            .mul(dy)
            .sum();
        return [embeddingLookup(tableT, idsT), tf.grad(loss)(tableT)];
      });
      expect(out.shape).toEqual([2, 5, dim]);
      expect(Array.from(out.dataSync().slice(0, dim))).toEqual(Array.from(Float32Array.from(table.slice(3 * dim, 4 * dim))));
      expect(grad.shape).toEqual([vocab, dim]);
      expect(maxAbsDiff(await grad.data(), want)).toBeLessThanOrEqual(1e-5);
      tf.dispose([out, grad]);
    });
  });
});
