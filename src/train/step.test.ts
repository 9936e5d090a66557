import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { expectNoLeaks, maxAbsDiff } from '../../test/helpers.js';
import { GradientAccumulator } from './accumulate.js';
import { AdamW } from './adamw.js';
import { meanSquaredError, tinyMlp, type TinyMlp } from './fixtures/tiny-mlp.js';
import { DynamicLossScale } from './loss-scale.js';
import { disposeStepResult, trainStep, type LossOutput } from './step.js';

beforeAll(async () => {
  await useBackend('wasm');
});

/** Distillation-shaped loss: the student regresses the frozen teacher's outputs (plus a label term). */
function distillLoss(student: TinyMlp, teacher: TinyMlp, x: tf.Tensor2D, y: tf.Tensor2D): LossOutput {
  const t = teacher.forward(x); // [batch, 2]; teacher variables take part in the forward pass
  const s = student.forward(x); // [batch, 2]
  const kd = meanSquaredError(s, t);
  const label = meanSquaredError(s, y);
  return { total: tf.add(kd, tf.mul(label, 0.5)), terms: { kd, label } };
}

const snapshot = (vars: tf.Variable[]) => vars.map((v) => Array.from(v.dataSync()));

describe('trainStep', () => {
  it('updates only the student; the teacher stays bit-identical; no leaks over 50 steps', async () => {
    const teacher = tinyMlp({ prefix: 'frozen-teacher', inputs: 4, hidden: 6, outputs: 2, seed: 1 });
    const student = tinyMlp({ prefix: 'student', inputs: 4, hidden: 3, outputs: 2, seed: 2 });
    const x = tf.randomNormal([6, 4], 0, 1, 'float32', 5) as tf.Tensor2D; // [6, 4]
    const y = tf.randomNormal([6, 2], 0, 1, 'float32', 6) as tf.Tensor2D; // [6, 2]
    const teacherBefore = snapshot(teacher.variables);
    const studentBefore = snapshot(student.variables);
    const losses: number[] = [];
    await expectNoLeaks(async () => {
      const optimizer = new AdamW({ learningRate: 0.01 });
      let afterFirst = 0;
      for (let i = 0; i < 50; i++) {
        const r = await trainStep({
          variables: student.variables,
          lossFn: () => distillLoss(student, teacher, x, y),
          optimizer,
          clipGlobalNorm: 1,
        });
        expect(r.applied).toBe(true);
        expect(Object.keys(r.terms)).toEqual(['kd', 'label']);
        if (i === 0 || i === 49) losses.push((await r.total.data())[0]);
        disposeStepResult(r);
        if (i === 0) afterFirst = tf.memory().numTensors; // the first step creates the Adam moments
      }
      expect(tf.memory().numTensors, 'per-step leak').toBe(afterFirst);
      expect(optimizer.step).toBe(50);
      const state = await optimizer.getState();
      expect(state.weights.every((w) => w.name.startsWith('student/'))).toBe(true);
      tf.dispose(state.weights.map((w) => w.tensor));
      optimizer.dispose();
    });
    expect(snapshot(teacher.variables)).toEqual(teacherBefore);
    snapshot(student.variables).forEach((v, i) => {
      expect(v).not.toEqual(studentBefore[i]);
    });
    expect(losses[1]).toBeLessThan(losses[0]);
    tf.dispose([x, y, teacher.variables, student.variables]);
  });

  it('reads nothing back from the backend (no host sync per step, float32 with clipping)', async () => {
    const teacher = tinyMlp({ prefix: 'sync-teacher', inputs: 4, hidden: 6, outputs: 2, seed: 1 });
    const student = tinyMlp({ prefix: 'sync-student', inputs: 4, hidden: 3, outputs: 2, seed: 2 });
    const x = tf.randomNormal([6, 4], 0, 1, 'float32', 5) as tf.Tensor2D;
    const y = tf.randomNormal([6, 2], 0, 1, 'float32', 6) as tf.Tensor2D;
    const backend = tf.backend();
    const reads = [vi.spyOn(backend, 'read'), vi.spyOn(backend, 'readSync')];
    await expectNoLeaks(async () => {
      const optimizer = new AdamW({ learningRate: 0.01 });
      for (let i = 0; i < 5; i++) {
        disposeStepResult(
          await trainStep({
            variables: student.variables,
            lossFn: () => distillLoss(student, teacher, x, y),
            optimizer,
            clipGlobalNorm: 1,
          }),
        );
      }
      expect(optimizer.step).toBe(5);
      expect(reads.map((r) => r.mock.calls.length)).toEqual([0, 0]);
      optimizer.dispose();
    });
    reads.forEach((r) => {
      r.mockRestore();
    });
    tf.dispose([x, y, teacher.variables, student.variables]);
  });

  it('returns the unscaled loss and the clipped update; loss scaling does not change the result', async () => {
    const x = tf.randomNormal([5, 4], 0, 1, 'float32', 7) as tf.Tensor2D;
    const y = tf.randomNormal([5, 2], 0, 3, 'float32', 8) as tf.Tensor2D;
    const run = async (prefix: string, lossScale?: DynamicLossScale) => {
      const net = tinyMlp({ prefix, inputs: 4, hidden: 3, outputs: 2, seed: 9 });
      const totals: number[] = [];
      const norms: number[] = [];
      await expectNoLeaks(async () => {
        const optimizer = new AdamW({ learningRate: 0.02 });
        for (let i = 0; i < 5; i++) {
          const r = await trainStep({
            variables: net.variables,
            lossFn: () => {
              const total = meanSquaredError(net.forward(x), y);
              return { total, terms: { mse: total } }; // a term may be the total itself
            },
            optimizer,
            clipGlobalNorm: 0.5,
            lossScale,
          });
          totals.push(r.total.dataSync()[0]);
          norms.push(r.gradNorm!.dataSync()[0]);
          disposeStepResult(r);
        }
        optimizer.dispose();
      });
      const values = snapshot(net.variables);
      tf.dispose(net.variables);
      return { totals, norms, values };
    };
    const plain = await run('plain');
    const scaled = await run('scaled', new DynamicLossScale());
    expect(plain.norms[0]).toBeGreaterThan(0.5); // clipping is active in this setup
    expect(maxAbsDiff(scaled.totals, plain.totals)).toBeLessThan(1e-6);
    expect(maxAbsDiff(scaled.norms, plain.norms)).toBeLessThan(1e-5);
    scaled.values.forEach((v, i) => {
      expect(maxAbsDiff(v, plain.values[i])).toBeLessThan(1e-6);
    });
    tf.dispose([x, y]);
  });

  it('skips the update and halves the scale on non-finite gradients', async () => {
    const net = tinyMlp({ prefix: 'overflow', inputs: 2, hidden: 2, outputs: 1, seed: 4 });
    const x = tf.tensor2d([[1, 2]]);
    const optimizer = new AdamW({ learningRate: 0.1 });
    const lossScale = new DynamicLossScale({ initialScale: 8 });
    const before = snapshot(net.variables);
    await expectNoLeaks(async () => {
      const r = await trainStep({
        variables: net.variables,
        // 1e38 · 8 overflows float32: gradients become ±Inf/NaN, as float16 overflow would.
        lossFn: () => {
          const total = tf.mul(tf.sum(net.forward(x)), 1e38) as tf.Scalar;
          return { total, terms: {} };
        },
        optimizer,
        lossScale,
      });
      expect(r).toMatchObject({ applied: false, skipped: true, gradNorm: null });
      disposeStepResult(r);
    });
    expect(snapshot(net.variables)).toEqual(before);
    expect(lossScale.scale).toBe(4);
    expect(optimizer.step).toBe(0);
    optimizer.dispose();
    tf.dispose([x, net.variables]);
  });

  it('accumulating two micro-batches updates like one full batch', async () => {
    const x = tf.randomNormal([8, 4], 0, 1, 'float32', 21) as tf.Tensor2D;
    const y = tf.randomNormal([8, 2], 0, 1, 'float32', 22) as tf.Tensor2D;
    const full = tinyMlp({ prefix: 'full', inputs: 4, hidden: 3, outputs: 2, seed: 30 });
    const micro = tinyMlp({ prefix: 'micro', inputs: 4, hidden: 3, outputs: 2, seed: 30 });
    const optFull = new AdamW({ learningRate: 0.05 });
    const optMicro = new AdamW({ learningRate: 0.05 });
    const accumulator = new GradientAccumulator({ steps: 2 });
    await expectNoLeaks(async () => {
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) {
        disposeStepResult(
          await trainStep({
            variables: full.variables,
            lossFn: () => {
              const total = meanSquaredError(full.forward(x), y);
              return { total, terms: {} };
            },
            optimizer: optFull,
          }),
        );
        for (const [from, size] of [
          [0, 5],
          [5, 3],
        ]) {
          const r = await trainStep({
            variables: micro.variables,
            lossFn: () =>
              tf.tidy(() => {
                const total = meanSquaredError(micro.forward(x.slice(from, size)), y.slice(from, size));
                return { total, terms: {} };
              }),
            optimizer: optMicro,
            accumulator,
            batchSize: size,
          });
          expect(r.applied).toBe(from === 5);
          disposeStepResult(r);
        }
      }
      // Only the two optimizers' moments (3 variables x m, v) remain; the accumulator is empty.
      expect(tf.memory().numTensors - before).toBe(12);
      expect(optMicro.step).toBe(3);
      full.variables.forEach((v, i) => {
        expect(maxAbsDiff(micro.variables[i].dataSync(), v.dataSync())).toBeLessThan(1e-6);
      });
      optFull.dispose();
      optMicro.dispose();
      accumulator.dispose();
    });
    tf.dispose([x, y, full.variables, micro.variables]);
  });

  it('cleans up and rethrows when the loss function fails', async () => {
    const net = tinyMlp({ prefix: 'throws', inputs: 2, hidden: 2, outputs: 1, seed: 1 });
    const optimizer = new AdamW();
    await expectNoLeaks(async () => {
      await expect(
        trainStep({
          variables: net.variables,
          lossFn: () => {
            throw new Error('bad batch');
          },
          optimizer,
        }),
      ).rejects.toThrow('bad batch');
      await expect(
        trainStep({
          variables: [],
          lossFn: () => {
            throw new Error('unreached');
          },
          optimizer,
        }),
      ).rejects.toThrow(/variables is empty/);
    });
    optimizer.dispose();
    tf.dispose(net.variables);
  });
});
