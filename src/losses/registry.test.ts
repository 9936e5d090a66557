import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { expectNoLeaks } from '../../test/helpers.js';
import { distillLosses, getDistillLoss, type DistillLossName } from './registry.js';
import { softTargetKL } from './soft-target.js';
import { topK } from './top-k.js';

describe('distillLosses registry', () => {
  beforeAll(async () => { await useBackend('wasm'); });

  it('lists the valid names when a name is unknown', () => {
    let error: unknown;
    try { getDistillLoss('hidden_mse'); } catch (e) { error = e; }
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/hidden_mse/) });
    expect((error as { hint: string }).hint).toBe('valid names: kd, hiddenMse, cosine, attentionKl, attentionMse');
    expect(() => getDistillLoss('toString')).toThrow(/unknown distillation loss/);
  });

  it('makes a typo a compile error', () => {
    // @ts-expect-error 'hiddenMSE' is not a registered loss name
    const typo: DistillLossName = 'hiddenMSE';
    expect(Object.keys(distillLosses)).not.toContain(typo);
  });

  it('kd is softTargetKL (default T = 4) and accepts a top-k teacher', async () => {
    await expectNoLeaks(() => {
      const s = tf.tensor2d([[1, 0, -1, 2]]), t = tf.tensor2d([[0, 3, 1, 1]]);
      const cached = topK(t, 4);
      const losses = [getDistillLoss('kd')(s, t), softTargetKL(s, t, { temperature: 4 }), distillLosses.kd(s, cached)];
      const [viaName, direct, viaTopK] = losses.map((l) => l.dataSync()[0]);
      expect(viaName).toBeCloseTo(direct, 6);
      expect(viaTopK).toBeCloseTo(direct, 5);
      tf.dispose([s, t, cached, ...losses]);
    });
  });
});
