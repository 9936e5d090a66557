import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { expectNoLeaks, maxAbsDiff } from '../../test/helpers.js';
import { GradientAccumulator } from './accumulate.js';
import { AdamW } from './adamw.js';
import { meanSquaredError, tinyMlp } from './fixtures/tiny-mlp.js';

beforeAll(async () => {
  await useBackend('wasm');
});

describe('GradientAccumulator', () => {
  it('two unequal micro-batches give the full batch gradient and the same AdamW update', async () => {
    await expectNoLeaks(() => {
      const net = tinyMlp({ prefix: 'acc', inputs: 4, hidden: 5, outputs: 2, seed: 3 });
      const x = tf.randomNormal([8, 4], 0, 1, 'float32', 11) as tf.Tensor2D; // [8, 4]
      const y = tf.randomNormal([8, 2], 0, 1, 'float32', 12) as tf.Tensor2D; // [8, 2]
      const gradsOf = (from: number, size: number) =>
        tf.variableGrads(() => meanSquaredError(net.forward(x.slice(from, size)), y.slice(from, size)), net.variables);

      const full = gradsOf(0, 8);
      const acc = new GradientAccumulator({ steps: 2 });
      for (const [from, size] of [
        [0, 3],
        [3, 5],
      ]) {
        const part = gradsOf(from, size);
        acc.add(part.grads, size);
        tf.dispose([part.value, part.grads]);
        expect(acc.ready).toBe(from === 3);
      }
      expect(acc.samples).toBe(8);
      const mean = acc.mean();
      for (const v of net.variables) {
        expect(maxAbsDiff(mean[v.name].dataSync(), full.grads[v.name].dataSync()), v.name).toBeLessThan(1e-6);
      }

      // Same update from both gradients: snapshot, apply one, restore, apply the other.
      const start = net.variables.map((v) => v.clone());
      const optFull = new AdamW({ learningRate: 0.05, weightDecay: 0.1 });
      optFull.applyGradients(full.grads);
      const afterFull = net.variables.map((v) => Array.from(v.dataSync()));
      net.variables.forEach((v, i) => {
        v.assign(start[i]);
      });
      const optAcc = new AdamW({ learningRate: 0.05, weightDecay: 0.1 });
      optAcc.applyGradients(mean);
      net.variables.forEach((v, i) => {
        expect(maxAbsDiff(v.dataSync(), afterFull[i])).toBeLessThan(1e-6);
      });

      acc.dispose();
      expect(acc.count).toBe(0);
      optFull.dispose();
      optAcc.dispose();
      tf.dispose([full.value, full.grads, mean, start, x, y, net.variables]);
    });
  });

  it('keeps its sums alive inside a caller tidy and rejects misuse', async () => {
    await expectNoLeaks(() => {
      const acc = new GradientAccumulator({ steps: 1 });
      tf.tidy(() => acc.add({ w: tf.tensor1d([1, 2]) }, 2));
      const mean = acc.mean();
      expect(Array.from(mean.w.dataSync())).toEqual([1, 2]);
      tf.dispose(mean);
      acc.reset();
      expect(() => acc.mean()).toThrow(/nothing was added/);
      expect(() => acc.add({}, 0)).toThrow(/batchSize/);
      expect(() => new GradientAccumulator({ steps: 0 })).toThrow(/steps/);
    });
  });
});
