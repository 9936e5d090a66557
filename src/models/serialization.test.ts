import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { expectNoLeaks } from '../../test/helpers.js';
import { createEncoder } from './encoder.js';
import type { EncoderOptions } from './options.js';
import { encoderPadId, takesTokenTypes } from './inputs.js';
import { encoderOutputs } from './outputs.js';
import './register.js';
import { disposeOutputs, padIds, roundTrip, tinyOptions } from './test-utils.js';

const variants: Record<string, Partial<EncoderOptions>> = {
  preLnMean: { normFirst: true, pooling: 'mean' },
  postLnCls: { normFirst: false, pooling: 'cls' },
  token: { task: 'token' },
  lowRank: { attentionRank: 4 },
  sharedAll: { numLayers: 4, shareLayers: true },
  sharedGroups: { numLayers: 4, shareLayers: 2, normFirst: false },
  extraOutputs: { outputs: ['logits', 'hidden', 'attention'], shareLayers: true, attentionRank: 8 },
  relu: { activation: 'relu', outputs: ['logits', 'attention'] },
  pairPadOne: { typeVocabSize: 2, padId: 1, normFirst: false, outputs: ['logits', 'hidden', 'attention'] },
};

describe('save / tf.loadLayersModel round trip', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  for (const [name, variant] of Object.entries(variants)) {
    it(`${name}: bit-identical outputs after loading`, async () => {
      await expectNoLeaks(async () => {
        const model = createEncoder({ ...tinyOptions, ...variant, seed: 21 });
        const loaded = await roundTrip(model);
        expect(loaded.outputNames).toEqual(model.outputNames);
        expect(loaded.countParams()).toBe(model.countParams());
        const ids = padIds([[3, 4, 5, 6, 7], [8, 9], [10]], 6, variant.padId);
        const typeIds = variant.typeVocabSize ? padIds([[0, 0, 1, 1, 1], [0, 1], [0]], 6) : undefined;
        expect(encoderPadId(loaded)).toBe(variant.padId ?? 0);
        expect(takesTokenTypes(loaded)).toBe(variant.typeVocabSize !== undefined);
        const a = encoderOutputs(model, ids, { training: false, typeIds });
        const b = encoderOutputs(loaded, ids, { training: false, typeIds });
        const flat = (o: typeof a) => [o.logits, ...(o.hidden ?? []), ...(o.attention ?? [])];
        expect(flat(b).length).toBe(flat(a).length);
        for (const [i, t] of flat(a).entries()) {
          expect(Array.from(await flat(b)[i].data())).toEqual(Array.from(await t.data()));
        }
        disposeOutputs(a);
        disposeOutputs(b);
        tf.dispose(typeIds ? [ids, typeIds] : ids);
        model.dispose();
        loaded.dispose();
      });
    });
  }

  it('padId and typeVocabSize are saved in the layer configs', async () => {
    await expectNoLeaks(async () => {
      const model = createEncoder({ ...tinyOptions, typeVocabSize: 2, padId: 1, seed: 21 });
      const loaded = await roundTrip(model);
      expect(loaded.inputNames).toEqual(['input_ids', 'token_type_ids']);
      expect(loaded.getLayer('embeddings').getConfig()).toMatchObject({ typeVocabSize: 2 });
      for (const name of ['block_0', 'block_1', 'pooler']) expect(loaded.getLayer(name).getConfig()).toMatchObject({ padId: 1 });
      expect(loaded.weights.map((w) => w.originalName).slice(0, 3)).toEqual([
        'embeddings/tokens',
        'embeddings/positions',
        'embeddings/token_types',
      ]);
      model.dispose();
      loaded.dispose();
    });
  });

  it('a model.json written before padId / typeVocabSize existed loads with padId 0 and one input', async () => {
    await expectNoLeaks(async () => {
      const model = createEncoder({ ...tinyOptions, outputs: ['logits', 'attention'], seed: 22 });
      const old = await roundTrip(model, (topology) => {
        const layers = (topology as { config: { layers: Array<{ config: Record<string, unknown> }> } }).config.layers;
        for (const layer of layers) {
          delete layer.config.padId;
          delete layer.config.typeVocabSize;
        }
        expect(JSON.stringify(topology)).not.toMatch(/padId|typeVocabSize/);
      });
      expect(encoderPadId(old)).toBe(0);
      expect(takesTokenTypes(old)).toBe(false);
      const ids = padIds([[3, 4, 5, 6, 7], [8, 9], [10]], 6);
      const a = encoderOutputs(model, ids, { training: false });
      const b = encoderOutputs(old, ids, { training: false });
      expect(Array.from(await b.logits.data())).toEqual(Array.from(await a.logits.data()));
      expect(Array.from(await b.attention![0].data())).toEqual(Array.from(await a.attention![0].data()));
      disposeOutputs(a);
      disposeOutputs(b);
      ids.dispose();
      model.dispose();
      old.dispose();
    });
  });
});
