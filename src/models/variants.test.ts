import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { expectNoLeaks } from '../../test/helpers.js';
import { createEncoder } from './encoder.js';
import { encoderOutputs } from './outputs.js';
import { countParameters } from './summary.js';
import { padIds, tinyOptions } from './test-utils.js';

const { vocabSize: V, maxLength: M, dModel: d, ffnDim: f, numClasses: C } = tinyOptions;
const embeddingAndHead = (V + M) * d + d * C + C;
const fullBlock = 4 * d * d + 2 * d * f + f + 9 * d;
const lowRankBlock = (r: number) => d * d + 6 * d * r + 2 * d * f + f + 9 * d;

describe('low-rank attention and shared layers', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('parameter counts match the documented formulas', async () => {
    await expectNoLeaks(() => {
      const cases = [
        { options: { attentionRank: 4, normFirst: false }, want: embeddingAndHead + 2 * lowRankBlock(4) },
        { options: { numLayers: 6, shareLayers: true, normFirst: false }, want: embeddingAndHead + fullBlock },
        { options: { numLayers: 6, shareLayers: 3 }, want: embeddingAndHead + 3 * fullBlock + 2 * d },
        { options: { numLayers: 4, shareLayers: 2, attentionRank: 2 }, want: embeddingAndHead + 2 * lowRankBlock(2) + 2 * d },
      ];
      for (const { options, want } of cases) {
        const model = createEncoder({ ...tinyOptions, ...options, seed: 1 });
        expect(countParameters(model), JSON.stringify(options)).toBe(want);
        model.dispose();
      }
    });
  });

  it('a shared stack applies one block per group to consecutive layers', async () => {
    await expectNoLeaks(() => {
      const model = createEncoder({ ...tinyOptions, numLayers: 6, shareLayers: 3, seed: 1 });
      const blocks = model.layers.filter((l) => l.getClassName() === 'TfdEncoderBlock');
      expect(blocks.map((b) => [b.name, b.inboundNodes.length])).toEqual([
        ['shared_block_0', 2],
        ['shared_block_1', 2],
        ['shared_block_2', 2],
      ]);
      model.dispose();
    });
  });

  it('every trainable weight receives a gradient (full, low-rank, shared, post-LN, cls)', async () => {
    await expectNoLeaks(async () => {
      const ids = padIds(
        [
          [3, 4, 5, 6],
          [7, 8],
        ],
        4,
      );
      for (const options of [{}, { attentionRank: 3, pooling: 'cls' as const }, { numLayers: 3, shareLayers: true, normFirst: false }]) {
        const model = createEncoder({ ...tinyOptions, ...options, seed: 2 });
        const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
        const { value, grads } = tf.variableGrads(
          () => encoderOutputs(model, ids, { training: true }).logits.square().sum() as tf.Scalar,
          vars,
        );
        const names = Object.keys(grads);
        const norms = tf.tidy(() => tf.stack(names.map((n) => grads[n].abs().sum())));
        const normData = await norms.data();
        expect(
          names.filter((_, i) => !(normData[i] > 0)),
          JSON.stringify(options),
        ).toEqual([]);
        norms.dispose();
        expect(names.length).toBe(vars.length);
        tf.dispose([value, ...Object.values(grads)]);
        model.dispose();
      }
      ids.dispose();
    });
  });

  it('attentionRank = dModel learns a toy task (loss falls over 30 Adam steps)', async () => {
    await expectNoLeaks(async () => {
      const model = createEncoder({ ...tinyOptions, attentionRank: d, dropout: 0, seed: 4 });
      // Label: is token 7 anywhere in the (padded) sequence? Needs attention/pooling over positions.
      const rows: number[][] = [];
      const labels: number[] = [];
      let s = 99;
      const rand = (n: number) => {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        return s % n;
      };
      for (let i = 0; i < 24; i++) {
        const len = 3 + rand(8);
        const row = Array.from({ length: len }, () => 8 + rand(V - 8));
        if (i % 2 === 0) row[rand(len)] = 7;
        rows.push(row);
        labels.push(i % 2 === 0 ? 1 : 0);
      }
      const ids = padIds(rows, 10);
      const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), C));
      const optimizer = tf.train.adam(1e-2);
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const losses: number[] = [];
      for (let step = 0; step < 30; step++) {
        // minimize runs f under the gradient tape's scope, which disposes the intermediates.
        const loss = optimizer.minimize(
          () => tf.losses.softmaxCrossEntropy(y, encoderOutputs(model, ids, { training: true }).logits) as tf.Scalar,
          true,
          vars,
        ) as tf.Scalar;
        losses.push((await loss.data())[0]);
        loss.dispose();
      }
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(losses[29]).toBeLessThan(0.5 * losses[0]);
      optimizer.dispose();
      tf.dispose([ids, y]);
      model.dispose();
    });
  });
});
