import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { createEncoder } from '../models/encoder.js';
import { expectNoLeaks, maxAbsDiff } from '../../test/helpers.js';
import { predictLogits } from './evaluate.js';
import { prune } from './prune.js';
import { blockImportance, removeBlocks } from './remove-blocks.js';
import { encoderBlocks } from './structured.js';

/** A 3-block encoder whose block_1 adds nothing to the residual stream (attention and FFN outputs zeroed). */
function modelWithIdleBlock(): tf.LayersModel {
  const model = createEncoder({
    vocabSize: 30,
    maxLength: 8,
    dModel: 16,
    numLayers: 3,
    numHeads: 2,
    ffnDim: 32,
    numClasses: 2,
    dropout: 0,
    seed: 6,
  });
  const idle = model.getLayer('block_1');
  const names = ['out_kernel', 'out_bias', 'ffn2_kernel', 'ffn2_bias'];
  const zeroed = (i: number) => names.some((n) => idle.weights[i].originalName.endsWith(n));
  const weights = idle.getWeights().map((w, i) => (zeroed(i) ? tf.zerosLike(w) : w));
  idle.setWeights(weights);
  tf.dispose(weights.filter((_, i) => zeroed(i)));
  return model;
}

const set = { ids: [Int32Array.from([3, 4, 5]), Int32Array.from([7, 8, 9, 10]), Int32Array.from([11, 2])], labels: [0, 1, 0] };

describe('whole-block removal', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('removing an idle block keeps the outputs; its importance is zero and the others are not', async () => {
    await expectNoLeaks(async () => {
      const model = modelWithIdleBlock();
      const scores = await blockImportance(model, set);
      expect(scores.block_1).toBeLessThan(1e-9);
      expect(Math.min(scores.block_0, scores.block_2)).toBeGreaterThan(1e-6);
      const smaller = await removeBlocks(model, ['block_1']);
      expect(encoderBlocks(smaller).map((b) => b.name)).toEqual(['block_0', 'block_2']);
      expect(maxAbsDiff(predictLogits(smaller, set).logits, predictLogits(model, set).logits)).toBeLessThan(1e-5);
      const twoGone = await removeBlocks(model, ['block_0', 'block_1']); // consecutive removals chain back to the embeddings
      expect(encoderBlocks(twoGone).map((b) => b.name)).toEqual(['block_2']);
      await expect(removeBlocks(model, ['block_0', 'block_1', 'block_2'])).rejects.toThrow(/no encoder/);
      await expect(removeBlocks(model, ['block_9'])).rejects.toThrow(/no encoder block named block_9/);
      [smaller, twoGone, model].forEach((m) => {
        m.dispose();
      });
    });
  });

  it("prune({ method: 'structured', blocks: 1 }) drops the least important block and reports it", async () => {
    await expectNoLeaks(async () => {
      const model = modelWithIdleBlock();
      const r = await prune(model, { method: 'structured', sparsity: 0, blocks: 1, data: set, latency: false });
      expect(r.rows.map((x) => x.step)).toEqual(['original', 'remove block_1']);
      expect(encoderBlocks(r.model)).toHaveLength(2);
      expect(r.rows[1].parameters).toBeLessThan(r.rows[0].parameters);
      expect(r.rows[1].agreement).toBe(1);
      await expect(prune(model, { sparsity: 0.5, blocks: 1, data: set, latency: false })).rejects.toThrow(/method 'structured'/);
      await expect(prune(model, { method: 'structured', sparsity: 0, blocks: 1, latency: false })).rejects.toThrow(/pass data/);
      r.model.dispose();
      model.dispose();
    });
  });
});
