import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks } from '../../test/helpers.js';
import type { BackendInfo } from './backend-info.js';
import { embeddingLookup } from './embedding.js';
import { useBackend } from './use-backend.js';

/**
 * Contract test of the GPU path: a stand-in for `@tensorflow/tfjs-node-gpu` registers a
 * `tensorflow` backend reporting `isUsingGpuDevice`, as the real package does on import. In its
 * own file because the backend registry is process-global.
 */
const imported: string[] = [];
const importModule = (specifier: string): Promise<unknown> => {
  imported.push(specifier);
  return specifier === '@tensorflow/tfjs-node-gpu' ? import('../../test/fixtures/fake-tfjs-node-gpu/index.js') : import(specifier);
};

describe('useBackend with @tensorflow/tfjs-node-gpu present', () => {
  let info: BackendInfo;
  beforeAll(async () => {
    info = await useBackend('auto', { importModule });
  });

  it("'auto' chooses it first and reports the GPU", () => {
    expect(info).toMatchObject({ name: 'tensorflow-gpu', requested: 'auto', gpu: true });
    expect(info.notes).toEqual(['tensorflow-gpu: @tensorflow/tfjs-node-gpu 4.22.0-fake-gpu loaded']);
    expect(imported).toEqual(['@tensorflow/tfjs-node-gpu']);
    expect(tf.getBackend()).toBe('tensorflow');
  });

  it("'tensorflow-gpu' named explicitly loads it too", async () => {
    const named = await useBackend('tensorflow-gpu', { importModule });
    expect(named).toMatchObject({ name: 'tensorflow-gpu', requested: 'tensorflow-gpu', gpu: true });
  });

  it('runs a training step on it: variables, matmul, embedding lookup, adam', async () => {
    await expectNoLeaks(async () => {
      const [vocab, dim, classes] = [10, 4, 3];
      // tidy disposes the initial values; variables survive it.
      const [table, w, bias] = tf.tidy(() => [
        tf.variable(tf.randomNormal([vocab, dim], 0, 0.5, 'float32', 1)), // [vocab, dim]
        tf.variable(tf.randomNormal([dim, classes], 0, 0.5, 'float32', 2)), // [dim, classes]
        tf.variable(tf.zeros([classes])),
      ]);
      const ids = tf.tensor2d(
        [
          [1, 4, 4],
          [7, 1, 9],
        ],
        [2, 3],
        'int32',
      ); // [batch, seq]
      const labels = tf.tidy(() => tf.oneHot(tf.tensor1d([2, 0], 'int32'), classes)); // [batch, classes]
      const optimizer = tf.train.adam(0.05);
      const loss = (): tf.Scalar =>
        tf.tidy(() => {
          const pooled = embeddingLookup(table as tf.Tensor2D, ids).mean(1); // [batch, dim]
          const logits = tf.matMul(pooled, w).add(bias); // [batch, classes]
          return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
        });
      const value = async (): Promise<number> => {
        const t = loss();
        const [v] = await t.data();
        t.dispose();
        return v;
      };
      const before = await value();
      for (let step = 0; step < 5; step++) optimizer.minimize(loss, true, [table, w, bias])?.dispose();
      expect(await value()).toBeLessThan(before);
      expect(tf.getBackend()).toBe('tensorflow');
      optimizer.dispose();
      tf.dispose([table, w, bias, ids, labels]);
    });
  });
});
