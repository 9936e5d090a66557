import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks, maxAbsDiff } from '../../test/helpers.js';
import { useBackend } from '../backend/use-backend.js';
import { attentionKernelName } from '../backend/wasm-kernels/attention.js';
import type { Example } from '../data/types.js';
import { createEncoder } from '../models/encoder.js';
import { Rng } from '../util/rng.js';
import { inferenceLength, predictLogits } from './predict-logits.js';

const encoder = (maxLength: number) =>
  createEncoder({
    vocabSize: 50,
    maxLength,
    numClasses: 3,
    dModel: 16,
    numLayers: 2,
    numHeads: 2,
    ffnDim: 32,
    dropout: 0,
    seed: 4,
  });

describe('predictLogits padding', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('rounds tfdistill encoders up to a multiple of 8 within maxLength, and leaves other models alone', () => {
    const [student, short] = [encoder(16), encoder(12)];
    expect([5, 8, 9, 13, 16].map((s) => inferenceLength(student, s))).toEqual([8, 8, 16, 16, 16]);
    expect([3, 9, 10, 12].map((s) => inferenceLength(short, s))).toEqual([8, 12, 12, 12]);
    const plain = tf.sequential({
      layers: [tf.layers.embedding({ inputDim: 50, outputDim: 4, inputLength: 5 }), tf.layers.flatten(), tf.layers.dense({ units: 3 })],
    });
    expect(inferenceLength(plain, 5)).toBe(5);
    for (const m of [student, short, plain]) m.dispose();
  });

  it('gives the logits of the unpadded batch, through the wasm attention kernel', async () => {
    const rng = new Rng(9);
    const model = encoder(16);
    const examples: Example[] = [5, 13, 9, 1].map((n, index) => ({
      ids: Int32Array.from({ length: n }, () => 1 + rng.int(49)),
      index,
    }));
    await expectNoLeaks(async () => {
      const info = await tf.profile(async () => {
        const logits = await predictLogits(model, examples, { batchSize: 4 });
        return tf.tensor1d(logits);
      });
      const ours = info.result as tf.Tensor;
      expect(info.kernelNames).toContain(attentionKernelName);
      // The same batch at its own longest row (13), straight through the model.
      const longest = 13;
      const ids = new Int32Array(examples.length * longest);
      examples.forEach((e, r) => {
        ids.set(e.ids, r * longest);
      });
      const direct = tf.tidy(() => (model.predict(tf.tensor2d(ids, [examples.length, longest], 'int32')) as tf.Tensor).reshape([-1]));
      expect(maxAbsDiff(await ours.data(), await direct.data())).toBeLessThan(1e-5);
      tf.dispose([ours, direct]);
    });
    model.dispose();
  });
});
