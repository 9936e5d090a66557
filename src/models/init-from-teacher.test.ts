import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { TfdistillError } from '../errors.js';
import { expectNoLeaks, maxAbsDiff } from '../../test/helpers.js';
import { createEncoder } from './encoder.js';
import { initStudentFromTeacher } from './init-from-teacher.js';
import type { TfdEmbedding } from './layers/embedding.js';
import { encoderOutputs } from './outputs.js';
import { padIds, tinyOptions } from './test-utils.js';

async function weightsEqual(a: tf.LayerVariable[], b: tf.LayerVariable[]): Promise<boolean> {
  for (let i = 0; i < a.length; i++) {
    if (maxAbsDiff(await a[i].read().data(), await b[i].read().data()) !== 0) return false;
  }
  return true;
}

describe('initStudentFromTeacher', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('same width: copies embeddings, every other teacher block, final norm and head', async () => {
    await expectNoLeaks(async () => {
      const teacher = createEncoder({ ...tinyOptions, numLayers: 4, seed: 1 });
      const student = createEncoder({ ...tinyOptions, numLayers: 2, seed: 2 });
      const report = initStudentFromTeacher(student, teacher);
      expect(report.layerMap).toEqual([0, 2]);
      expect(report.leftRandom).toEqual([]);
      expect(report.copied).toContain('block_1/qkv_kernel');
      expect(await weightsEqual(student.getLayer('block_0').weights, teacher.getLayer('block_0').weights)).toBe(true);
      expect(await weightsEqual(student.getLayer('block_1').weights, teacher.getLayer('block_2').weights)).toBe(true);
      expect(await weightsEqual(student.getLayer('embeddings').weights, teacher.getLayer('embeddings').weights)).toBe(true);
      expect(await weightsEqual(student.getLayer('logits').weights, teacher.getLayer('logits').weights)).toBe(true);
      teacher.dispose();
      student.dispose();
    });
  });

  it("same width and depth with the identity layerMap gives the teacher's logits", async () => {
    await expectNoLeaks(async () => {
      const teacher = createEncoder({ ...tinyOptions, numLayers: 3, seed: 1 });
      const student = createEncoder({ ...tinyOptions, numLayers: 3, seed: 9 });
      initStudentFromTeacher(student, teacher, { layerMap: [0, 1, 2] });
      const ids = padIds([[4, 5, 6], [7]], 3);
      const a = teacher.predict(ids) as tf.Tensor;
      const b = student.predict(ids) as tf.Tensor;
      expect(maxAbsDiff(await a.data(), await b.data())).toBe(0);
      expect(() => initStudentFromTeacher(student, teacher, { layerMap: [0, 1, 3] })).toThrow(TfdistillError);
      tf.dispose([ids, a, b]);
      teacher.dispose();
      student.dispose();
    });
  });

  it("different width: embeddings from a truncated SVD preserve a low-rank teacher table's geometry", async () => {
    await expectNoLeaks(async () => {
      const teacher = createEncoder({ ...tinyOptions, dModel: 16, seed: 1 });
      const student = createEncoder({ ...tinyOptions, dModel: 8, numHeads: 2, seed: 2 });
      const tTokens = (teacher.getLayer('embeddings') as TfdEmbedding).tokens;
      // Make the teacher table exactly rank 8, so the rank-8 projection loses nothing: E_s E_s^T = E_t E_t^T.
      tf.tidy(() => {
        const a = tf.randomNormal([tinyOptions.vocabSize, 8], 0, 1, 'float32', 5);
        const b = tf.randomNormal([8, 16], 0, 1, 'float32', 6);
        tTokens.write(tf.matMul(a, b));
      });
      const report = initStudentFromTeacher(student, teacher);
      expect(report.initialised).toEqual(['embeddings/tokens', 'embeddings/positions', 'logits/kernel']);
      expect(report.copied).toEqual(['logits/bias']);
      expect(report.leftRandom).toContain('block_0/qkv_kernel');
      const sTokens = (student.getLayer('embeddings') as TfdEmbedding).tokens;
      const [gs, gt] = tf.tidy(() => [sTokens, tTokens].map((v) => tf.matMul(v.read(), v.read(), false, true)));
      const scale = Math.max(...Array.from(await gt.data(), Math.abs));
      expect(maxAbsDiff(await gs.data(), await gt.data()) / scale).toBeLessThan(1e-4);
      tf.dispose([gs, gt]);
      teacher.dispose();
      student.dispose();
    });
  });

  it('token type tables: copied when both have one, projected across widths, left random otherwise', async () => {
    await expectNoLeaks(async () => {
      const pair = { ...tinyOptions, typeVocabSize: 2, padId: 1 };
      const teacher = createEncoder({ ...pair, numLayers: 2, seed: 1 });
      const student = createEncoder({ ...pair, numLayers: 2, seed: 9 });
      expect(initStudentFromTeacher(student, teacher).copied).toContain('embeddings/token_types');
      const [ids, typeIds] = [padIds([[4, 0, 6], [7]], 3, 1), padIds([[0, 1, 1], [0]], 3)];
      const [a, b] = [teacher, student].map((m) => encoderOutputs(m, ids, { training: false, typeIds }).logits);
      expect(maxAbsDiff(await a.data(), await b.data())).toBe(0);
      const fromSingle = createEncoder({ ...tinyOptions, numLayers: 2, seed: 3 });
      expect(initStudentFromTeacher(student, fromSingle).leftRandom).toEqual(['embeddings/token_types']);
      const narrow = createEncoder({ ...pair, dModel: 8, numHeads: 2, seed: 4 });
      expect(initStudentFromTeacher(narrow, teacher).initialised).toEqual([
        'embeddings/tokens',
        'embeddings/positions',
        'embeddings/token_types',
        'logits/kernel',
      ]);
      tf.dispose([ids, typeIds, a, b]);
      [teacher, student, fromSingle, narrow].forEach((m) => {
        m.dispose();
      });
    });
  });
});
