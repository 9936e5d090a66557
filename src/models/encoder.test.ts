import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { TfdistillError } from '../errors.js';
import { expectNoLeaks, maxAbsDiff } from '../../test/helpers.js';
import { setDropoutSeed } from './dropout.js';
import { createEncoder } from './encoder.js';
import { encoderPresets, scaleEncoderOptions, type EncoderOptions } from './options.js';
import { encoderOutputs } from './outputs.js';
import { roundToFloat16, setComputePrecision } from './precision.js';
import { countParameters, summarizeEncoder } from './summary.js';
import { disposeOutputs, padIds, tinyOptions } from './test-utils.js';

const rows = [[5, 9, 13, 2, 7, 31, 8], [4, 17], [22, 3, 3, 11], [6]];

describe('createEncoder', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('returns logits, hidden states and attention probabilities in the documented layout', async () => {
    await expectNoLeaks(async () => {
      const model = createEncoder({ ...tinyOptions, numLayers: 3, outputs: ['logits', 'hidden', 'attention'], seed: 1 });
      expect(model.outputNames).toEqual(['logits', 'hidden_0', 'hidden_1', 'hidden_2', 'attention_0', 'attention_1', 'attention_2']);
      expect(model.inputs[0].dtype).toBe('int32');
      const ids = padIds(rows, 9);
      const out = encoderOutputs(model, ids, { training: false });
      expect(out.logits.shape).toEqual([4, 3]);
      expect(out.hidden!.map((h) => h.shape)).toEqual([
        [4, 9, 16],
        [4, 9, 16],
        [4, 9, 16],
      ]);
      const probs = out.attention![1];
      expect(probs.shape).toEqual([4, 2, 9, 9]);
      const sumsT = probs.sum(-1);
      const sums = await sumsT.data();
      expect(maxAbsDiff(sums, new Array(sums.length).fill(1))).toBeLessThan(1e-5);
      // Row 1 has 2 real tokens: every query gives exactly 0 to key columns 2..8.
      const paddedT = probs.slice([1, 0, 0, 2], [1, -1, -1, -1]);
      expect(Math.max(...(await paddedT.data()))).toBe(0);
      tf.dispose([sumsT, paddedT]);
      disposeOutputs(out);
      ids.dispose();
      model.dispose();
    });
  });

  it('token task gives [batch, seq, classes]; one sequence length <= maxLength is enforced', async () => {
    await expectNoLeaks(async () => {
      const model = createEncoder({ ...tinyOptions, task: 'token', seed: 2 });
      const ids = padIds(rows, 7);
      const out = encoderOutputs(model, ids, { training: false });
      expect(out.logits.shape).toEqual([4, 7, 3]);
      const long = padIds([[1]], 13);
      expect(() => model.predict(long)).toThrow(/exceeds the model's maxLength 12/);
      disposeOutputs(out);
      tf.dispose([ids, long]);
      model.dispose();
    });
  });

  for (const variant of [
    { normFirst: true, pooling: 'mean' },
    { normFirst: false, pooling: 'cls' },
    { normFirst: true, pooling: 'cls' },
    { normFirst: false, pooling: 'mean', attentionRank: 4, shareLayers: true },
  ] as Partial<EncoderOptions>[]) {
    it(`padding never changes a row's logits (${JSON.stringify(variant)})`, async () => {
      await expectNoLeaks(async () => {
        const model = createEncoder({ ...tinyOptions, ...variant, seed: 3 });
        const batch = padIds(rows, 10);
        const all = model.predict(batch) as tf.Tensor;
        const together = await all.data();
        for (let r = 0; r < rows.length; r++) {
          const alone = padIds([rows[r]], rows[r].length);
          const single = model.predict(alone) as tf.Tensor;
          expect(maxAbsDiff(await single.data(), together.slice(r * 3, r * 3 + 3))).toBeLessThan(1e-5);
          tf.dispose([alone, single]);
        }
        tf.dispose([batch, all]);
        model.dispose();
      });
    });
  }

  it('initialisation is deterministic for a seed', async () => {
    await expectNoLeaks(async () => {
      const [a, b, c] = [5, 5, 6].map((seed) => createEncoder({ ...tinyOptions, seed }));
      const wa = a.getWeights();
      const wb = b.getWeights();
      const wc = c.getWeights();
      for (let i = 0; i < wa.length; i++) expect(Array.from(await wa[i].data())).toEqual(Array.from(await wb[i].data()));
      const differs = await Promise.all(wa.map(async (w, i) => maxAbsDiff(await w.data(), await wc[i].data()) > 0));
      expect(differs.filter(Boolean).length).toBeGreaterThan(5);
      [a, b, c].forEach((m) => {
        m.dispose();
      });
    });
  });

  it('dropout: inference is deterministic, training masks follow setDropoutSeed', async () => {
    await expectNoLeaks(async () => {
      const model = createEncoder({ ...tinyOptions, dropout: 0.3, seed: 7 });
      const ids = padIds(rows, 8);
      const run = async (training: boolean) => {
        const out = encoderOutputs(model, ids, { training });
        const data = await out.logits.data();
        disposeOutputs(out);
        return data;
      };
      const inferA = await run(false);
      expect(maxAbsDiff(inferA, await run(false))).toBe(0);
      setDropoutSeed(11);
      const trainA = await run(true);
      const trainB = await run(true);
      setDropoutSeed(11);
      const trainA2 = await run(true);
      expect(maxAbsDiff(trainA, trainA2)).toBe(0);
      expect(maxAbsDiff(trainA, trainB)).toBeGreaterThan(1e-4);
      expect(maxAbsDiff(trainA, inferA)).toBeGreaterThan(1e-4);
      ids.dispose();
      model.dispose();
    });
  });

  it('emulated float16 compute rounds every layer output and stays close to float32', async () => {
    await expectNoLeaks(async () => {
      const model = createEncoder({ ...tinyOptions, outputs: ['logits', 'hidden'], seed: 8 });
      const ids = padIds(rows, 8);
      const full = encoderOutputs(model, ids, { training: false });
      setComputePrecision('float16');
      const half = encoderOutputs(model, ids, { training: false });
      setComputePrecision('float32');
      for (const t of [half.logits, ...half.hidden!]) {
        const again = roundToFloat16(t);
        expect(maxAbsDiff(await again.data(), await t.data())).toBe(0);
        again.dispose();
      }
      const diff = maxAbsDiff(await half.logits.data(), await full.logits.data());
      expect(diff).toBeGreaterThan(0);
      expect(diff).toBeLessThan(2e-2);
      disposeOutputs(full);
      disposeOutputs(half);
      ids.dispose();
      model.dispose();
    });
  });

  it('rejects invalid options with INVALID_ARGUMENT', async () => {
    await expectNoLeaks(() => {
      const bad: Partial<EncoderOptions>[] = [
        { dModel: 15 },
        { numHeads: 0 },
        { vocabSize: 2.5 },
        { dropout: 1 },
        { attentionRank: 17 },
        { shareLayers: 3 },
        { outputs: ['hidden'] },
        { pooling: 'max' as never },
        { task: 'seq2seq' as never },
        { activation: 'tanh' as never },
      ];
      for (const b of bad) {
        let error: unknown;
        try {
          createEncoder({ ...tinyOptions, ...b });
        } catch (e) {
          error = e;
        }
        expect(error, JSON.stringify(b)).toBeInstanceOf(TfdistillError);
        expect((error as TfdistillError).code).toBe('INVALID_ARGUMENT');
      }
    });
  });

  it('presets, scaling and parameter counts follow the documented formulas', async () => {
    await expectNoLeaks(async () => {
      expect(encoderPresets.teacherBase).toEqual({ dModel: 256, numLayers: 4, numHeads: 4, ffnDim: 1024 });
      expect(scaleEncoderOptions(encoderPresets.teacherBase, { dModel: 128 })).toEqual({
        dModel: 128,
        numLayers: 4,
        numHeads: 2,
        ffnDim: 512,
      });
      expect(scaleEncoderOptions(encoderPresets.studentTiny, { dModel: 32, numLayers: 1, ffnDim: 50 })).toEqual({
        dModel: 32,
        numLayers: 1,
        numHeads: 1,
        ffnDim: 50,
      });
      expect(scaleEncoderOptions(encoderPresets.teacherBase, { dModel: 200 }).numHeads).toBe(2);
      const o = { ...encoderPresets.studentTiny, vocabSize: 100, maxLength: 32, numClasses: 5 };
      const { dModel: d, ffnDim: f, numLayers: L } = o;
      for (const normFirst of [true, false]) {
        const model = createEncoder({ ...o, normFirst, seed: 1 });
        const expected = (100 + 32) * d + L * (4 * d * d + 2 * d * f + f + 9 * d) + (normFirst ? 2 * d : 0) + d * 5 + 5;
        expect(countParameters(model)).toBe(expected);
        const summary = summarizeEncoder(model);
        expect(summary).toMatch(/block_1\s+TfdEncoderBlock\s+49,984\s+x1/);
        expect(summary).toContain(`total`);
        expect(summary).toContain(expected.toLocaleString('en-US'));
        model.dispose();
      }
    });
  });
});
