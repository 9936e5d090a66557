import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { TfdistillError } from '../errors.js';
import { expectNoLeaks, maxAbsDiff } from '../../test/helpers.js';
import { createEncoder } from './encoder.js';
import { encoderPadId, takesTokenTypes } from './inputs.js';
import type { TfdEmbedding } from './layers/embedding.js';
import type { EncoderOptions } from './options.js';
import { encoderOutputs } from './outputs.js';
import { countParameters } from './summary.js';
import { disposeOutputs, padIds, tinyOptions } from './test-utils.js';

/** RoBERTa padding (pad id 1) and BERT sentence pairs; id 0 is an ordinary token in these rows. */
const pair: EncoderOptions = { ...tinyOptions, padId: 1, typeVocabSize: 2, dropout: 0 };
const rows = [[0, 9, 13, 2, 7], [4, 17], [22, 0, 3, 11, 5, 6], [6]];
const types = [[0, 0, 1, 1, 1], [0, 1], [0, 0, 0, 1, 1, 1], [0]];

/** Throws-with-code check that does not depend on the message. */
function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof TfdistillError ? e.code : 'not a TfdistillError';
  }
  return undefined;
}

describe('padId and token type embeddings', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  for (const variant of [
    { pooling: 'mean' },
    { pooling: 'cls', normFirst: false },
    { task: 'token', attentionRank: 4 },
    { numLayers: 4, shareLayers: 2, normFirst: false },
  ] as Partial<EncoderOptions>[]) {
    it(`rows padded with padId 1 give the logits they have alone (${JSON.stringify(variant)})`, async () => {
      await expectNoLeaks(async () => {
        const model = createEncoder({ ...pair, ...variant, seed: 3 });
        const [ids, typeIds] = [padIds(rows, 8, 1), padIds(types, 8)];
        const batch = encoderOutputs(model, ids, { training: false, typeIds });
        const together = await batch.logits.data();
        const c = tinyOptions.numClasses;
        for (let r = 0; r < rows.length; r++) {
          const [oneIds, oneTypes] = [padIds([rows[r]], rows[r].length), padIds([types[r]], rows[r].length)];
          const alone = encoderOutputs(model, oneIds, { training: false, typeIds: oneTypes });
          // Classification: row r's logits; token task: row r's first len(r) positions of [b, 8, c].
          const [from, width] = variant.task === 'token' ? [r * 8 * c, rows[r].length * c] : [r * c, c];
          expect(maxAbsDiff(await alone.logits.data(), together.slice(from, from + width))).toBeLessThan(1e-5);
          disposeOutputs(alone);
          tf.dispose([oneIds, oneTypes]);
        }
        disposeOutputs(batch);
        tf.dispose([ids, typeIds]);
        model.dispose();
      });
    });
  }

  it('padded keys get exactly zero attention; id 0 is a real token when padId is 1', async () => {
    await expectNoLeaks(async () => {
      const model = createEncoder({ ...pair, outputs: ['logits', 'attention'], seed: 4 });
      const ids = padIds(rows, 8, 1);
      const out = encoderOutputs(model, ids, { training: false });
      // Row 1 has 2 real tokens: every query gives 0 to key columns 2..7; row 0's key 0 (id 0) is attended to.
      const [padded, idZero] = tf.tidy(() => [
        out.attention![0].slice([1, 0, 0, 2], [1, -1, -1, -1]).max(),
        out.attention![0].slice([0, 0, 0, 0], [1, -1, -1, 1]).min(),
      ]);
      expect((await padded.data())[0]).toBe(0);
      expect((await idZero.data())[0]).toBeGreaterThan(0);
      // With padId 1, appending id 0 changes a row's logits; with the default padId 0 it does not.
      for (const [padId, changes] of [
        [1, true],
        [0, false],
      ] as const) {
        const m = createEncoder({ ...tinyOptions, padId, dropout: 0, seed: 5 });
        const [short, long] = [padIds([[5, 9]], 2), padIds([[5, 9, 0]], 3)];
        const [a, b] = [m.predict(short), m.predict(long)] as tf.Tensor[];
        expect(maxAbsDiff(await a.data(), await b.data()) > 1e-4, `padId ${padId}`).toBe(changes);
        tf.dispose([short, long, a, b]);
        m.dispose();
      }
      tf.dispose([padded, idZero, ids]);
      disposeOutputs(out);
      model.dispose();
    });
  });

  it('token type ids change the output; omitted type ids are zeros', async () => {
    await expectNoLeaks(async () => {
      const model = createEncoder({ ...pair, seed: 6 });
      const ids = padIds(rows, 6, 1);
      const [typeIds, zeros] = [padIds(types, 6), tf.zeros([4, 6], 'int32') as tf.Tensor2D];
      const logits = async (t?: tf.Tensor2D) => {
        const out = encoderOutputs(model, ids, { training: false, typeIds: t });
        const data = Array.from(await out.logits.data());
        disposeOutputs(out);
        return data;
      };
      const [withTypes, withZeros, omitted] = [await logits(typeIds), await logits(zeros), await logits()];
      expect(omitted).toEqual(withZeros);
      const c = tinyOptions.numClasses;
      for (const r of [0, 1, 2])
        expect(maxAbsDiff(withTypes.slice(r * c, r * c + c), withZeros.slice(r * c, r * c + c))).toBeGreaterThan(1e-4);
      expect(withTypes.slice(3 * c)).toEqual(withZeros.slice(3 * c)); // row 3 is all type 0
      tf.dispose([ids, typeIds, zeros]);
      model.dispose();
    });
  });

  it('layout: a second input, a [typeVocabSize, d] table, the documented parameter count', async () => {
    await expectNoLeaks(() => {
      const { vocabSize: V, maxLength: M, dModel: d, ffnDim: f, numLayers: L, numClasses: C } = tinyOptions;
      const single = createEncoder({ ...tinyOptions, seed: 1 });
      const model = createEncoder({ ...pair, seed: 1 });
      expect(model.inputNames).toEqual(['input_ids', 'token_type_ids']);
      expect(model.inputs.map((i) => i.dtype)).toEqual(['int32', 'int32']);
      expect(single.inputNames).toEqual(['input_ids']);
      expect([takesTokenTypes(model), takesTokenTypes(single)]).toEqual([true, false]);
      expect([encoderPadId(model), encoderPadId(single)]).toEqual([1, 0]);
      const table = (model.getLayer('embeddings') as TfdEmbedding).tokenTypes!;
      expect([table.originalName, table.shape]).toEqual(['embeddings/token_types', [2, d]]);
      expect((single.getLayer('embeddings') as TfdEmbedding).tokenTypes).toBeUndefined();
      const blocks = L * (4 * d * d + 2 * d * f + f + 9 * d);
      expect(countParameters(model)).toBe((V + M + 2) * d + blocks + 2 * d + d * C + C);
      expect(countParameters(model) - countParameters(single)).toBe(2 * d);
      single.dispose();
      model.dispose();
    });
  });

  it('both rows of the type table receive gradients in training', async () => {
    await expectNoLeaks(async () => {
      const model = createEncoder({ ...pair, dropout: 0.1, seed: 7 });
      const [ids, typeIds] = [padIds(rows, 6, 1), padIds(types, 6)];
      const table = (model.getLayer('embeddings') as TfdEmbedding).tokenTypes!.read() as tf.Variable;
      const { value, grads } = tf.variableGrads(
        () => encoderOutputs(model, ids, { training: true, typeIds }).logits.square().sum() as tf.Scalar,
        [table],
      );
      const rowNorms = tf.tidy(() => grads[table.name].abs().sum(1));
      expect(Array.from(await rowNorms.data()).every((n) => n > 0)).toBe(true);
      tf.dispose([value, rowNorms, ...Object.values(grads), ids, typeIds]);
      model.dispose();
    });
  });

  it('rejects bad padId / typeVocabSize and misplaced type ids with TfdistillError codes', async () => {
    await expectNoLeaks(() => {
      for (const bad of [{ padId: -1 }, { padId: 40 }, { padId: 1.5 }, { typeVocabSize: -1 }, { typeVocabSize: 0.5 }]) {
        expect(
          codeOf(() => createEncoder({ ...tinyOptions, ...bad })),
          JSON.stringify(bad),
        ).toBe('INVALID_ARGUMENT');
      }
      const single = createEncoder({ ...tinyOptions, seed: 1 });
      const model = createEncoder({ ...pair, seed: 1 });
      const ids = padIds(rows, 6, 1);
      const [typeIds, wrongShape] = [padIds(types, 6), padIds(types, 7)];
      expect(codeOf(() => encoderOutputs(single, ids, { training: false, typeIds }))).toBe('INVALID_ARGUMENT');
      expect(codeOf(() => encoderOutputs(model, ids, { training: false, typeIds: wrongShape }))).toBe('SHAPE_MISMATCH');
      tf.dispose([ids, typeIds, wrongShape]);
      single.dispose();
      model.dispose();
    });
  });
});
