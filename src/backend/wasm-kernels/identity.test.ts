import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks } from '../../../test/helpers.js';
import { useBackend } from '../use-backend.js';
import { installIdentityOverride, restoreStockIdentity } from './identity.js';

describe('wasm Identity override', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  afterEach(() => installIdentityOverride());

  it('shares the buffer: a clone outlives its source, and disposing both frees it', async () => {
    await expectNoLeaks(() => {
      const buffersBefore = tf.memory().numDataBuffers;
      const x = tf.tensor2d([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      const y = tf.clone(x);
      expect(tf.memory().numDataBuffers - buffersBefore).toBe(1); // one buffer, not two
      x.dispose();
      expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
      const z = y.add(1);
      expect(Array.from(z.dataSync())).toEqual([2, 3, 4, 5, 6, 7]);
      tf.dispose([y, z]);
      expect(tf.memory().numDataBuffers).toBe(buffersBefore);
      const s = tf.tensor1d(['a', 'b'], 'string');
      const s2 = tf.clone(s);
      expect(s2.dataSync()).toEqual(['a', 'b']);
      tf.dispose([s, s2]);
    });
  });

  it('gives the same gradients and variable updates as the copying stock kernel', async () => {
    await expectNoLeaks(async () => {
      const run = async () => {
        const w = tf.tidy(() => tf.variable(tf.randomUniform([6, 4], -1, 1, 'float32', 7)));
        const x = tf.randomUniform([5, 6], -1, 1, 'float32', 8);
        const opt = tf.train.adam(0.1);
        for (let i = 0; i < 3; i++) opt.minimize(() => tf.sum(tf.square(tf.matMul(x, w))));
        const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.exp(tf.matMul(x, v)), tf.matMul(x, v))))(w);
        const out = [Array.from(await w.data()), Array.from(await g.data())];
        tf.dispose([w, x, g]);
        opt.dispose();
        return out;
      };
      restoreStockIdentity();
      const stock = await run();
      installIdentityOverride();
      const ours = await run();
      expect(ours).toEqual(stock);
    });
  });
});
