import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { expectNoLeaks } from '../../test/helpers.js';
import { hardCrossEntropy, requireLabelValues } from './cross-entropy.js';
import { distillationLoss } from './distillation-loss.js';
import { softTargetKL } from './soft-target.js';

const read = (t: tf.Tensor) => t.dataSync()[0];

describe('distillationLoss', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('is alpha * soft + (1 - alpha) * hard, and the caller owns all three tensors', async () => {
    await expectNoLeaks(() => {
      const s = tf.tensor2d([
          [1, -1, 0.5],
          [0, 2, 1],
        ]),
        t = tf.tensor2d([
          [2, 0, 0],
          [0, 1, 3],
        ]);
      const labels = tf.tensor1d([0, 2], 'int32');
      const { total, soft, hard } = distillationLoss(s, t, labels, { temperature: 2, alpha: 0.3 });
      const soft2 = softTargetKL(s, t, { temperature: 2 }),
        hard2 = hardCrossEntropy(s, labels);
      expect(read(soft)).toBeCloseTo(read(soft2), 6);
      expect(read(hard)).toBeCloseTo(read(hard2), 6);
      expect(read(total)).toBeCloseTo(0.3 * read(soft) + 0.7 * read(hard), 6);
      tf.dispose([s, t, labels, total, soft, hard, soft2, hard2]);
    });
  });

  it('reads temperature and alpha schedules at the given step', async () => {
    await expectNoLeaks(() => {
      const s = tf.tensor2d([[1, -1, 0.5]]),
        t = tf.tensor2d([[2, 0, 0]]),
        labels = tf.tensor1d([1], 'int32');
      const temperature = { kind: 'linear', from: 1, to: 5, steps: 100 } as const;
      const alpha = { kind: 'cosine', from: 1, to: 0, steps: 100 } as const;
      const scheduled = distillationLoss(s, t, labels, { temperature, alpha, step: 50 });
      const fixed = distillationLoss(s, t, labels, { temperature: 3, alpha: 0.5 });
      expect(read(scheduled.total)).toBeCloseTo(read(fixed.total), 6);
      expect(read(scheduled.soft)).toBeCloseTo(read(fixed.soft), 6);
      tf.dispose([s, t, labels, scheduled, fixed]);
    });
  });

  it('without labels: pure soft loss, zero hard loss, one warning per sink', async () => {
    await expectNoLeaks(() => {
      const s = tf.tensor2d([[1, -1, 0.5]]),
        t = tf.tensor2d([[2, 0, 0]]);
      const messages: string[] = [];
      const warn = (m: string) => messages.push(m);
      const first = distillationLoss(s, t, undefined, { alpha: 0.5, warn });
      const second = distillationLoss(s, t, undefined, { alpha: 0.5, warn });
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatch(/no labels/);
      expect(read(first.hard)).toBe(0);
      expect(read(first.total)).toBeCloseTo(read(first.soft), 6);
      const silent: string[] = [];
      const third = distillationLoss(s, t, undefined, { alpha: 1, warn: (m) => silent.push(m) });
      expect(silent).toEqual([]);
      tf.dispose([s, t, first, second, third]);
    });
  });

  it('ignores labels at masked token positions', async () => {
    await expectNoLeaks(() => {
      const s = tf.tensor3d([
          [
            [1, 0],
            [0, 1],
          ],
          [
            [2, 1],
            [1, 2],
          ],
        ]),
        t = tf.tensor3d([
          [
            [0, 1],
            [1, 0],
          ],
          [
            [1, 1],
            [0, 0],
          ],
        ]);
      const mask = tf.tensor2d([
        [1, 0],
        [1, 1],
      ]);
      const a = tf.tensor2d(
          [
            [1, -100],
            [0, 1],
          ],
          undefined,
          'int32',
        ),
        b = tf.tensor2d(
          [
            [1, 0],
            [0, 1],
          ],
          undefined,
          'int32',
        );
      const la = distillationLoss(s, t, a, { mask, labelSmoothing: 0.2 });
      const lb = distillationLoss(s, t, b, { mask, labelSmoothing: 0.2 });
      expect(read(la.total)).toBeCloseTo(read(lb.total), 6);
      tf.dispose([s, t, mask, a, b, la, lb]);
    });
  });

  it('validates alpha, label smoothing, labels and schedules', async () => {
    await expectNoLeaks(() => {
      const s = tf.zeros([2, 3]),
        labels = tf.tensor1d([0, 3], 'int32'),
        ok = tf.tensor1d([0, 2], 'int32');
      const floatLabels = tf.tensor1d([0, 1]),
        short = tf.tensor1d([0], 'int32');
      const invalid = expect.objectContaining({ code: 'INVALID_ARGUMENT' });
      expect(() => distillationLoss(s, s, labels)).toThrow(/label 3 .* outside \[0, 3\)/);
      expect(() => distillationLoss(s, s, floatLabels)).toThrow(/int32/);
      expect(() => distillationLoss(s, s, short)).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
      expect(() => distillationLoss(s, s, ok, { alpha: 1.5 })).toThrow(invalid);
      expect(() => distillationLoss(s, s, ok, { labelSmoothing: 1 })).toThrow(invalid);
      expect(() => distillationLoss(s, s, ok, { temperature: -1 })).toThrow(invalid);
      expect(() => distillationLoss(s, s, ok, { temperature: { kind: 'linear', from: 4, to: 1, steps: 0 } })).toThrow(/steps/);
      tf.dispose([s, labels, ok, floatLabels, short]);
    });
  });

  it('checkLabels: false skips the device read of the labels; the host check catches what the read would', async () => {
    await expectNoLeaks(() => {
      const s = tf.tensor2d([
          [1, 0, 2],
          [0, 1, 0],
        ]),
        t = tf.tensor2d([
          [0, 1, 0],
          [1, 1, 0],
        ]);
      const labels = tf.tensor1d([2, 1], 'int32');
      const read = vi.spyOn(labels, 'dataSync');
      const unchecked = distillationLoss(s, t, labels, { checkLabels: false });
      expect(read).not.toHaveBeenCalled();
      const checked = distillationLoss(s, t, labels);
      expect(read).toHaveBeenCalled();
      expect(unchecked.total.dataSync()[0]).toBe(checked.total.dataSync()[0]);
      expect(() => requireLabelValues(new Int32Array([0, 3]), 3)).toThrow(/label 3 at flat position 1 is outside \[0, 3\)/);
      expect(() => requireLabelValues([0, -100, 1], 3, [1, 0, 1])).not.toThrow();
      expect(() => requireLabelValues([0.5], 3)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
      tf.dispose([s, t, labels, unchecked, checked]);
    });
  });
});
