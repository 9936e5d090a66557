import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { createEncoder } from '../models/encoder.js';
import { expectNoLeaks, maxAbsDiff } from '../../test/helpers.js';
import { ActivationHistogram } from './activation-histogram.js';
import { calibrate, withInt8Activations } from './calibrate.js';
import { predictLogits } from './evaluate.js';
import { fakeQuantInt8, int8Params } from './fake-quant.js';

interface Golden {
  scale: number;
  zeroPoint: number;
  fakeQuant: number[];
}
const fixture = JSON.parse(readFileSync(new URL('../../test/fixtures/compress/fake_quant.json', import.meta.url), 'utf8')) as {
  cases: Record<string, { x: number[]; minmax: Golden; percentile: Golden & { p: number; lo: number; hi: number } }>;
};

const vocabSize = 30;
const dModel = 8;

/** An encoder whose embedding output is known: token row i is (i - 10) + j / 8, positions are zero. */
function constructedEncoder(): tf.LayersModel {
  const model = createEncoder({
    vocabSize,
    maxLength: 8,
    dModel,
    numLayers: 1,
    numHeads: 2,
    ffnDim: 16,
    numClasses: 2,
    dropout: 0,
    seed: 5,
  });
  const table = tf.tidy(() => tf.add(tf.sub(tf.range(0, vocabSize).reshape([vocabSize, 1]), 10), tf.div(tf.range(0, dModel), 8)));
  const zeros = tf.zeros([8, dModel]);
  model.getLayer('embeddings').setWeights([table, zeros]);
  tf.dispose([table, zeros]);
  return model;
}

describe('int8 activation calibration', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('int8 parameters and fake quantization match PyTorch MinMaxObserver + fake_quantize_per_tensor_affine', async () => {
    await expectNoLeaks(async () => {
      for (const [name, c] of Object.entries(fixture.cases)) {
        const x = Float32Array.from(c.x);
        for (const [golden, lo, hi] of [
          [c.minmax, Math.min(...x), Math.max(...x)],
          [c.percentile, c.percentile.lo, c.percentile.hi],
        ] as const) {
          const p = int8Params(lo, hi);
          expect(p.zeroPoint, name).toBe(golden.zeroPoint);
          expect(Math.abs(p.scale - golden.scale) / golden.scale, name).toBeLessThan(1e-6);
          const t = tf.tensor1d(x);
          const fq = fakeQuantInt8(t, p);
          expect(maxAbsDiff(await fq.data(), golden.fakeQuant), name).toBeLessThan(1e-5);
          tf.dispose([t, fq]);
        }
      }
    });
  });

  it('the histogram percentile range brackets the exact (numpy) percentiles within one bin', () => {
    for (const c of Object.values(fixture.cases)) {
      const x = Float32Array.from(c.x);
      const h = new ActivationHistogram({ min: Math.min(...x), max: Math.max(...x), bins: 2048 });
      h.add(x);
      const { lo, hi } = h.range(c.percentile.p);
      expect(hi).toBeGreaterThanOrEqual(c.percentile.hi - 1e-6);
      expect(hi).toBeLessThanOrEqual(c.percentile.hi + h.binWidth + 1e-6);
      expect(lo).toBeLessThanOrEqual(c.percentile.lo + 1e-6);
      expect(lo).toBeGreaterThanOrEqual(c.percentile.lo - h.binWidth - 1e-6);
      expect(h.range(100)).toEqual({ lo: h.min, hi: h.max });
    }
    // The outlier case: 99.9% clips the three outliers away.
    const { lo, hi } = (() => {
      const x = fixture.cases.outliers.x;
      const h = new ActivationHistogram({ min: Math.min(...x), max: Math.max(...x), bins: 2048 });
      h.add(x);
      return h.range(99.9);
    })();
    expect(hi).toBeLessThan(10);
    expect(lo).toBeGreaterThan(-10);
  });

  it('calibrate() records exact layer ranges on a constructed model (embeddings and logits)', async () => {
    await expectNoLeaks(async () => {
      const model = constructedEncoder();
      // No padding: every position is a real token. Token ids 3..12 -> embedding values (3-10)+0 .. (12-10)+7/8.
      const set = {
        ids: [Int32Array.from([3, 4, 5, 6]), Int32Array.from([7, 8, 9, 10]), Int32Array.from([11, 12, 3, 5])],
        labels: [0, 1, 0],
      };
      const cal = await calibrate(model, set, { percentile: 100 });
      expect(Object.keys(cal.layers).sort()).toEqual(['block_0', 'embeddings', 'final_norm', 'logits', 'pooler']);
      expect(cal.layers.embeddings).toMatchObject({ min: -7, max: 2.875, lo: -7, hi: 2.875, count: 12 * dModel });
      expect(cal.layers.embeddings.scale).toBeCloseTo(9.875 / 255, 7);
      const { logits } = predictLogits(model, set);
      expect(cal.layers.logits.min).toBe(Math.min(...logits));
      expect(cal.layers.logits.max).toBe(Math.max(...logits));
      expect(cal.examples).toBe(3);
      // A percentile range lies inside the observed one.
      const p = await calibrate(model, set, { percentile: 90, bins: 64 });
      for (const r of Object.values(p.layers)) {
        expect(r.lo).toBeGreaterThanOrEqual(r.min);
        expect(r.hi).toBeLessThanOrEqual(r.max);
      }
      expect(p.layers.embeddings.hi).toBeLessThan(2.875);
      await expect(calibrate(model, set, { percentile: 40 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(calibrate(model, { ids: [] })).rejects.toMatchObject({ code: 'DATA_INVALID' });
      model.dispose();
    });
  });

  it('withInt8Activations puts every layer output on its int8 grid and stays close to float32', async () => {
    await expectNoLeaks(async () => {
      const model = constructedEncoder();
      const set = { ids: [Int32Array.from([3, 4, 5, 6]), Int32Array.from([7, 8, 9]), Int32Array.from([11, 12, 3, 5])] };
      const cal = await calibrate(model, set, { percentile: 100 });
      const float = predictLogits(model, set).logits;
      const int8 = withInt8Activations(cal, () => predictLogits(model, set)).logits;
      const { scale, zeroPoint } = cal.layers.logits;
      for (const v of int8) {
        const q = v / scale + zeroPoint;
        expect(Math.abs(q - Math.round(q))).toBeLessThan(1e-3);
        expect(Math.round(q)).toBeGreaterThanOrEqual(-128);
        expect(Math.round(q)).toBeLessThanOrEqual(127);
      }
      const diff = maxAbsDiff(float, int8);
      expect(diff).toBeGreaterThan(0);
      expect(diff).toBeLessThan(0.1 * Math.max(...float.map(Math.abs)) + 4 * scale);
      // The hook is gone afterwards.
      expect(maxAbsDiff(predictLogits(model, set).logits, float)).toBe(0);
      model.dispose();
    });
  });
});
