import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { createEncoder } from '../models/encoder.js';
import { expectNoLeaks } from '../../test/helpers.js';
import { magnitudeMasks, prunableWeights } from './prune-masks.js';

beforeAll(async () => {
  await useBackend('wasm');
});

const tiny = () =>
  createEncoder({ vocabSize: 50, maxLength: 16, dModel: 16, numLayers: 1, numHeads: 2, ffnDim: 24, numClasses: 2, dropout: 0, seed: 3 });

function zerosOf(vars: tf.LayerVariable[]): { zeros: number; total: number } {
  let zeros = 0;
  let total = 0;
  for (const v of vars)
    for (const x of v.read().dataSync()) {
      total++;
      if (x === 0) zeros++;
    }
  return { zeros, total };
}

describe('magnitudeMasks', () => {
  it('reaches the sparsity exactly, per layer and globally, even with tied magnitudes', async () => {
    await expectNoLeaks(async () => {
      const model = tiny();
      const vars = prunableWeights(model);
      expect(vars.map((v) => v.originalName).some((n) => n.includes('embedding') || n.includes('norm'))).toBe(false);
      // Ties: make every ffn1 value +-0.5, so the threshold falls inside a run of equal magnitudes.
      const ffn1 = vars.find((v) => v.originalName.endsWith('ffn1_kernel')) as tf.LayerVariable;
      const tied = tf.tidy(() => tf.sign(ffn1.read()).mul(0.5).add(tf.equal(ffn1.read(), 0).cast('float32').mul(0.5)));
      ffn1.write(tied);
      tied.dispose();
      for (const scope of ['layer', 'global'] as const) {
        const masks = magnitudeMasks(model, { sparsity: 0.37, scope });
        masks.apply();
        const { zeros, total } = zerosOf(vars);
        if (scope === 'layer') {
          const expected = vars.reduce((n, v) => n + Math.round(0.37 * v.read().size), 0);
          expect(zeros).toBe(expected);
        } else {
          expect(zeros).toBe(Math.round(0.37 * total));
        }
        masks.dispose();
      }
      model.dispose();
    });
  });

  it('progressive steps only add zeros and keep earlier ones', async () => {
    await expectNoLeaks(async () => {
      const model = tiny();
      const first = magnitudeMasks(model, { sparsity: 0.3, scope: 'global' });
      first.apply();
      const second = magnitudeMasks(model, { sparsity: 0.6, scope: 'global', previous: first });
      const a = first.entries.map((e) => e.mask.dataSync());
      const b = second.entries.map((e) => e.mask.dataSync());
      a.forEach((m, i) => {
        m.forEach((x, j) => {
          if (x === 0) expect(b[i][j]).toBe(0);
        });
      });
      expect(second.sparsity()).toBeCloseTo(0.6, 2);
      first.dispose();
      second.dispose();
      model.dispose();
    });
  });

  it('masks survive fine-tuning: after Adam steps, apply() puts every pruned weight back to zero', async () => {
    await expectNoLeaks(async () => {
      const model = tiny();
      const masks = magnitudeMasks(model, { sparsity: 0.5 });
      masks.apply();
      const optimizer = tf.train.adam(0.05);
      const ids = tf.tensor2d(
        [
          [1, 2, 3, 4],
          [5, 6, 7, 0],
        ],
        [2, 4],
        'int32',
      );
      const labels = tf.tidy(() => tf.oneHot(tf.tensor1d([0, 1], 'int32'), 2));
      for (let step = 0; step < 3; step++) {
        optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, model.apply(ids, { training: true }) as tf.Tensor) as tf.Scalar);
        masks.apply();
      }
      masks.entries.forEach(({ variable, mask }) => {
        const w = variable.read().dataSync();
        mask.dataSync().forEach((m, i) => {
          if (m === 0) expect(w[i]).toBe(0);
        });
      });
      // Without apply() Adam would have moved them: check the update really touched pruned positions.
      optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, model.apply(ids, { training: true }) as tf.Tensor) as tf.Scalar);
      const moved = masks.entries.some(({ variable, mask }) => {
        const w = variable.read().dataSync();
        return Array.from(mask.dataSync()).some((m, i) => m === 0 && w[i] !== 0);
      });
      expect(moved).toBe(true);
      optimizer.dispose();
      tf.dispose([ids, labels]);
      masks.dispose();
      model.dispose();
    });
  });

  it('rejects a sparsity outside [0, 1) and patterns that match nothing', async () => {
    await expectNoLeaks(async () => {
      const model = tiny();
      expect(() => magnitudeMasks(model, { sparsity: 1 })).toThrow(/\[0, 1\)/);
      expect(() => magnitudeMasks(model, { sparsity: -0.1 })).toThrow(/\[0, 1\)/);
      expect(() => magnitudeMasks(model, { sparsity: 0.5, include: ['nothing*'] })).toThrow(/no weight matches/);
      model.dispose();
    });
  });
});
