import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { expectNoLeaks } from '../../test/helpers.js';
import { expectCloseArray, golden, type KdRow } from '../../test/fixtures/losses/golden.js';
import { distillationLoss } from './distillation-loss.js';
import type { TeacherLogits } from './types.js';

/** Runs one PyTorch golden row: the three loss values and d total / d student. */
export function checkKdRow(row: KdRow): void {
  const student = tf.tensor(row.student, row.shape);
  const dense = tf.tensor(row.teacher, row.shape);
  const teacher: TeacherLogits = row.topK ? tf.topk(dense, row.topK.k) : dense;
  const lead = row.shape.slice(0, -1);
  const labels = row.labels && tf.tensor(row.labels, lead, 'int32');
  const mask = row.mask && tf.tensor(row.mask, lead);
  const options = {
    temperature: row.temperature, alpha: row.alpha, labelSmoothing: row.labelSmoothing, mask,
    topKMode: row.topK?.mode, warn: () => undefined,
  };
  const { total, soft, hard } = distillationLoss(student, teacher, labels, options);
  const grad = tf.grad((s: tf.Tensor) => distillationLoss(s, teacher, labels, options).total)(student);
  const values = [total, soft, hard].map((t) => t.dataSync()[0]);
  expectCloseArray(values, [row.total, row.soft, row.hard], `${row.name} [total, soft, hard]`, { floor: 1e-7 });
  expectCloseArray(grad.dataSync(), row.grad, `${row.name} grad`);
  tf.dispose([student, dense, teacher, labels, mask, total, soft, hard, grad]);
}

describe('distillationLoss matches PyTorch (wasm)', () => {
  beforeAll(async () => { await useBackend('wasm'); });

  for (const row of golden.kd) {
    it(row.name, async () => {
      await expectNoLeaks(() => checkKdRow(row));
    });
  }
});
