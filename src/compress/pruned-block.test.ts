import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { createEncoder } from '../models/encoder.js';
import { encoderOutputs } from '../models/outputs.js';
import { encoderPadId, takesTokenTypes } from '../models/inputs.js';
import { disposeOutputs, padIds, roundTrip } from '../models/test-utils.js';
import { expectNoLeaks, maxAbsDiff } from '../../test/helpers.js';
import { cloneModel } from './clone.js';
import { TfdPrunedEncoderBlock } from '../models/layers/pruned-block.js';
import { removeBlocks } from './remove-blocks.js';
import { applyStructuredPlan } from './structured.js';

/** A RoBERTa-padded (pad id 1) sentence-pair encoder; id 0 is an ordinary token. */
const build = () =>
  createEncoder({
    vocabSize: 40,
    maxLength: 16,
    dModel: 16,
    numLayers: 3,
    numHeads: 4,
    ffnDim: 24,
    numClasses: 3,
    dropout: 0,
    seed: 5,
    normFirst: false,
    padId: 1,
    typeVocabSize: 2,
  });
const rows = [[0, 7, 9, 3, 5], [2, 4], [6, 0, 8, 10, 12, 14], [11]];
const types = [[0, 0, 1, 1, 1], [0, 1], [0, 0, 0, 1, 1, 1], [0]];

/** Each row's logits alone and within a batch padded with id 1 agree (to 1e-5); returns the batch's logits. */
async function expectPaddingInvariant(model: tf.LayersModel): Promise<number[]> {
  const [ids, typeIds] = [padIds(rows, 8, 1), padIds(types, 8)];
  const batch = encoderOutputs(model, ids, { training: false, typeIds });
  const together = Array.from(await batch.logits.data());
  for (let r = 0; r < rows.length; r++) {
    const [oneIds, oneTypes] = [padIds([rows[r]], rows[r].length), padIds([types[r]], rows[r].length)];
    const alone = encoderOutputs(model, oneIds, { training: false, typeIds: oneTypes });
    expect(maxAbsDiff(await alone.logits.data(), together.slice(r * 3, r * 3 + 3)), `row ${r}`).toBeLessThan(1e-5);
    disposeOutputs(alone);
    tf.dispose([oneIds, oneTypes]);
  }
  disposeOutputs(batch);
  tf.dispose([ids, typeIds]);
  return together;
}

describe('compression keeps padId and token types', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('structured pruning: pruned blocks mask padId 1, the pair input survives, and the result reloads', async () => {
    await expectNoLeaks(async () => {
      const model = build();
      const all = (n: number) => Array.from({ length: n }, (_, i) => i);
      const small = await applyStructuredPlan(model, {
        block_0: { heads: [0, 2], neurons: all(24) }, // -> TfdPrunedEncoderBlock
        block_1: { heads: all(4), neurons: all(12) }, // stays a TfdEncoderBlock with a smaller FFN
      });
      expect(small.getLayer('block_0')).toBeInstanceOf(TfdPrunedEncoderBlock);
      expect((small.getLayer('block_0') as TfdPrunedEncoderBlock).blockConfig.padId).toBe(1);
      expect([encoderPadId(small), takesTokenTypes(small)]).toEqual([1, true]);
      const logits = await expectPaddingInvariant(small);
      for (const copy of [await cloneModel(small), await roundTrip(small)]) {
        expect(await expectPaddingInvariant(copy)).toEqual(logits);
        copy.dispose();
      }
      small.dispose();
      model.dispose();
    });
  });

  it('removing a block keeps the two-input embedding and padId', async () => {
    await expectNoLeaks(async () => {
      const model = build();
      const shallower = await removeBlocks(model, ['block_1']);
      expect(shallower.inputNames).toEqual(['input_ids', 'token_type_ids']);
      expect(encoderPadId(shallower)).toBe(1);
      await expectPaddingInvariant(shallower);
      shallower.dispose();
      model.dispose();
    });
  });

  it('a pruned block saved before padId existed masks id 0', async () => {
    await expectNoLeaks(() => {
      const block = new TfdPrunedEncoderBlock({
        dModel: 8,
        numHeads: 1,
        headDim: 4,
        ffnDim: 8,
        dropout: 0,
        activation: 'gelu',
        normFirst: true,
        returnAttention: false,
        layerNormEpsilon: 1e-5,
      });
      expect(block.blockConfig.padId).toBe(0);
      expect(block.getConfig().padId).toBe(0);
    });
  });
});
