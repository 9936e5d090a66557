import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { createEncoder } from '../models/encoder.js';
import { expectNoLeaks } from '../../test/helpers.js';
import { adaptiveAssignment, resolveTarget, sensitivity } from './mixed-precision.js';
import { predictLogits, qualityOf } from './evaluate.js';
import { withQuantizedWeights } from './quantize.js';
import type { EvalSet } from './eval-set.js';

beforeAll(async () => {
  await useBackend('wasm');
});

const model = (seed: number) =>
  createEncoder({ vocabSize: 30, maxLength: 12, dModel: 16, numLayers: 2, numHeads: 2, ffnDim: 24, numClasses: 3, dropout: 0, seed });
// 24 deterministic rows; labels = the float model's own predictions, so the float accuracy is 100%.
const rows = Array.from({ length: 24 }, (_, i) => Int32Array.from({ length: 4 + (i % 5) }, (_, j) => 1 + ((i * 7 + j * 3) % 29)));

describe('mixed precision', () => {
  it('sensitivity ranking is the same on two runs of the same seeded model', async () => {
    await expectNoLeaks(async () => {
      const [a, b] = [model(11), model(11)];
      const set: EvalSet = { ids: rows };
      const ra = await sensitivity(a, set);
      const rb = await sensitivity(b, set);
      expect(ra.map((r) => r.layer)).toEqual(rb.map((r) => r.layer));
      expect(ra.map((r) => r.kl)).toEqual(rb.map((r) => r.kl));
      expect(new Set(ra.map((r) => r.layer))).toEqual(new Set(['embeddings', 'block_0', 'block_1', 'final_norm', 'logits']));
      for (let i = 1; i < ra.length; i++) expect(ra[i - 1].kl as number).toBeGreaterThanOrEqual(ra[i].kl as number);
      a.dispose();
      b.dispose();
    });
  });

  it('adaptive search meets its accuracy target and reports the curve', async () => {
    await expectNoLeaks(async () => {
      const m = model(12);
      const pred = predictLogits(m, { ids: rows });
      const labels = Array.from({ length: rows.length }, (_, i) => {
        const r = pred.logits.subarray(i * 3, i * 3 + 3);
        return r.indexOf(Math.max(...r));
      });
      const set: EvalSet = { ids: rows, labels };
      const result = await adaptiveAssignment(m, set, { target: '-0%', low: 'uint8', keep: 'float32' });
      expect(result.target).toBe(1);
      expect(result.met).toBe(true);
      const chosen = await withQuantizedWeights(m, result.dtypeOf, () => qualityOf(predictLogits(m, set), set));
      expect(chosen.accuracy).toBeGreaterThanOrEqual(result.target);
      expect(result.curve.at(-1)?.accuracy).toBe(chosen.accuracy);
      expect(result.curve.slice(0, -1).every((p) => (p.accuracy as number) < 1)).toBe(true);
      expect(() => resolveTarget('5' as never, 0.9)).toThrow(/target accuracy/);
      expect(resolveTarget('-2%', 0.9)).toBeCloseTo(0.88, 12);
      m.dispose();
    });
  });
});
