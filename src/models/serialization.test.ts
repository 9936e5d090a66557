import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { expectNoLeaks } from '../../test/helpers.js';
import { createEncoder } from './encoder.js';
import type { EncoderOptions } from './options.js';
import { encoderOutputs } from './outputs.js';
import './register.js';
import { disposeOutputs, padIds, tinyOptions } from './test-utils.js';

/** Saves to memory and loads back with stock tf.loadLayersModel (layers registered by register.ts). */
async function roundTrip(model: tf.LayersModel): Promise<tf.LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const { modelTopology, weightSpecs, weightData } = saved!;
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology, weightSpecs, weightData }));
}

const variants: Record<string, Partial<EncoderOptions>> = {
  preLnMean: { normFirst: true, pooling: 'mean' },
  postLnCls: { normFirst: false, pooling: 'cls' },
  token: { task: 'token' },
  lowRank: { attentionRank: 4 },
  sharedAll: { numLayers: 4, shareLayers: true },
  sharedGroups: { numLayers: 4, shareLayers: 2, normFirst: false },
  extraOutputs: { outputs: ['logits', 'hidden', 'attention'], shareLayers: true, attentionRank: 8 },
  relu: { activation: 'relu', outputs: ['logits', 'attention'] },
};

describe('save / tf.loadLayersModel round trip', () => {
  beforeAll(async () => { await useBackend('wasm'); });

  for (const [name, variant] of Object.entries(variants)) {
    it(`${name}: bit-identical outputs after loading`, async () => {
      await expectNoLeaks(async () => {
        const model = createEncoder({ ...tinyOptions, ...variant, seed: 21 });
        const loaded = await roundTrip(model);
        expect(loaded.outputNames).toEqual(model.outputNames);
        expect(loaded.countParams()).toBe(model.countParams());
        const ids = padIds([[3, 4, 5, 6, 7], [8, 9], [10]], 6);
        const a = encoderOutputs(model, ids, { training: false });
        const b = encoderOutputs(loaded, ids, { training: false });
        const flat = (o: typeof a) => [o.logits, ...(o.hidden ?? []), ...(o.attention ?? [])];
        expect(flat(b).length).toBe(flat(a).length);
        for (const [i, t] of flat(a).entries()) {
          expect(Array.from(await flat(b)[i].data())).toEqual(Array.from(await t.data()));
        }
        disposeOutputs(a);
        disposeOutputs(b);
        ids.dispose();
        model.dispose();
        loaded.dispose();
      });
    });
  }
});
