import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { expectNoLeaks, maxAbsDiff } from '../../test/helpers.js';
import { withActivationHook, type ActivationHook } from './activation-hook.js';
import { createEncoder } from './encoder.js';
import { padIds, tinyOptions } from './test-utils.js';

describe('activation hook', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('sees every layer output once per forward pass with its shape, and an identity hook changes nothing', async () => {
    await expectNoLeaks(async () => {
      const model = createEncoder({ ...tinyOptions, dropout: 0, seed: 3 });
      const ids = padIds(
        [
          [5, 6, 7],
          [8, 9],
        ],
        3,
      );
      const plain = model.predict(ids) as tf.Tensor;
      const seen: Array<[string, number[]]> = [];
      const observe: ActivationHook = (layer, x) => {
        seen.push([layer, x.shape]);
        return x;
      };
      const observed = withActivationHook(observe, () => model.predict(ids) as tf.Tensor);
      expect(seen).toEqual([
        ['embeddings', [2, 3, 16]],
        ['block_0', [2, 3, 16]],
        ['block_1', [2, 3, 16]],
        ['final_norm', [2, 3, 16]], // pre-LN
        ['pooler', [2, 16]],
        ['logits', [2, 3]],
      ]);
      expect(maxAbsDiff(await plain.data(), await observed.data())).toBe(0);
      // The hook is removed afterwards.
      seen.length = 0;
      tf.dispose(model.predict(ids) as tf.Tensor);
      expect(seen).toEqual([]);
      tf.dispose([ids, plain, observed]);
      model.dispose();
    });
  });

  it('a replacing hook changes what the next layer receives, without leaking its intermediates', async () => {
    await expectNoLeaks(async () => {
      const model = createEncoder({ ...tinyOptions, dropout: 0, seed: 3 });
      const ids = padIds([[5, 6, 7]], 3);
      // Zeroing the pooled vector leaves only the head's bias: logits == bias.
      const zeroPool: ActivationHook = (layer, x) => (layer === 'pooler' ? tf.mul(x, 0) : tf.add(x, 0));
      const head = model.getLayer('logits');
      const bias = tf.tensor1d([0.1, -0.2, 0.3]);
      head.setWeights([head.getWeights()[0], bias]);
      const logits = withActivationHook(zeroPool, () => model.predict(ids) as tf.Tensor);
      expect(maxAbsDiff(await logits.data(), await bias.data())).toBe(0);
      expect(() =>
        withActivationHook(
          () => {
            throw new Error('boom');
          },
          () => model.predict(ids),
        ),
      ).toThrow('boom');
      const after = model.predict(ids) as tf.Tensor; // hook restored even after a throw
      expect(maxAbsDiff(await after.data(), await bias.data())).toBeGreaterThan(0);
      tf.dispose([ids, logits, after, bias]);
      model.dispose();
    });
  });
});
