import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { expectNoLeaks, maxAbsDiff } from '../../test/helpers.js';
import {
  markerTask,
  prepared,
  quietOptions,
  readMetrics,
  removeTempDirs,
  tempRunDir,
  tinyEncoder,
  weightValues,
  withOptions,
} from '../../test/integration/tiny-task.js';
import { distill } from './distill.js';
import type { DistillOptions } from './distill-options.js';

beforeAll(async () => {
  await useBackend('wasm');
});
afterAll(removeTempDirs);

const train = markerTask({ count: 16, seed: 21 });
const l2 = (a: Float32Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0));

/** Trains a tiny student on hard labels (no teacher: fastest) and returns its weights before and after. */
async function trainStudent(options: Partial<DistillOptions>) {
  const student = tinyEncoder({ seed: 8 });
  const before = weightValues(student);
  const out = await tempRunDir();
  const result = await distill(
    withOptions(
      {
        ...quietOptions(out),
        student,
        train: prepared(train),
        data: { maxLength: 16, validationFraction: 0 },
        loss: { alpha: 0 },
        schedule: { batchSize: 8 },
      },
      options,
    ),
  );
  const after = weightValues(result.student);
  student.dispose();
  return { before, after, out, result };
}

describe('distill: AdamW with decoupled weight decay', () => {
  it('shrinks kernels and embeddings by (1 - lr * lambda) per step but never biases or LayerNorm parameters', async () => {
    await expectNoLeaks(async () => {
      const lr = 1e-4,
        lambda = 100,
        steps = 10;
      const { before, after } = await trainStudent({
        optimizer: { learningRate: lr, weightDecay: lambda, clipGlobalNorm: 0 },
        schedule: { epochs: 5, warmupSteps: 0, decay: 'constant' },
      });
      const decay = (1 - lr * lambda) ** steps; // 0.904
      // Adam moves a weight by at most ~3 lr per step ((1 - beta1) / sqrt(1 - beta2) bounds |m_hat| / sqrt(v_hat)).
      const adamBound = 3.2 * lr * steps;
      const noDecay = /(bias|gamma|beta)$/;
      let decayed = 0,
        kept = 0;
      after.forEach((w, i) => {
        const b = before[i].values;
        if (noDecay.test(w.name)) {
          kept++;
          expect(maxAbsDiff(w.values, b), w.name).toBeLessThan(adamBound);
        } else {
          decayed++;
          expect(l2(w.values) / l2(b), w.name).toBeCloseTo(decay, 2);
        }
      });
      expect(decayed).toBeGreaterThanOrEqual(7); // 2 embeddings, qkv, out, ffn1, ffn2, logits kernels
      expect(kept).toBeGreaterThanOrEqual(10);
    });
  });
});

describe('distill: learning-rate schedule and clipping', () => {
  it('logs a linear warmup then a linear decay in metrics.jsonl', async () => {
    await expectNoLeaks(async () => {
      const base = 1e-3,
        warmup = 4,
        total = 12;
      const { out, result } = await trainStudent({
        optimizer: { learningRate: base },
        schedule: { epochs: 6, warmupSteps: warmup, decay: 'linear' },
        logging: { logEvery: 1 },
      });
      expect(result.steps).toBe(total);
      const logged = (await readMetrics(out)).filter((r) => r.kind === 'train');
      expect(logged.map((r) => r.step)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      // Update k (0-based) uses lr = base * k / warmup during warmup, then decays linearly to 0 at `total`.
      const expected = logged.map((_, k) => (k < warmup ? (base * k) / warmup : base * (1 - (k - warmup) / (total - warmup))));
      logged.forEach((r, k) => {
        expect(r.lr as number).toBeCloseTo(expected[k], 12);
      });
      const lrs = logged.map((r) => r.lr as number);
      expect(Math.max(...lrs)).toBe(base);
      expect(lrs.indexOf(base)).toBe(warmup);
    });
  });

  it('clips gradients to the global norm: a tiny clip norm moves the weights far less than no clipping', async () => {
    await expectNoLeaks(async () => {
      const common = {
        optimizer: { learningRate: 1e-2, weightDecay: 0 },
        schedule: { epochs: 2, warmupSteps: 0, decay: 'constant' as const },
      };
      const movement = (r: { before: Array<{ values: Float32Array }>; after: Array<{ values: Float32Array }> }) =>
        r.after.reduce((s, w, i) => s + w.values.reduce((t, v, j) => t + Math.abs(v - r.before[i].values[j]), 0), 0);
      const free = await trainStudent(withOptions(common, { optimizer: { clipGlobalNorm: 0 } }));
      const clipped = await trainStudent(withOptions(common, { optimizer: { clipGlobalNorm: 1e-9 } }));
      // Adam is scale-invariant, except that epsilon (1e-8) dominates gradients clipped to a 1e-9 norm.
      expect(movement(free)).toBeGreaterThan(0.1);
      expect(movement(clipped)).toBeLessThan(0.05 * movement(free));
    });
  });
});

describe('distill: gradient accumulation', () => {
  it('batchSize 4 x 2 accumulated micro-batches gives the same updates as batchSize 8', async () => {
    // 8 rows of one length: every epoch is one 8-row batch, or two 4-row micro-batches covering the same 8 rows
    // (in the order the batch plan shuffles them; the accumulated mean does not depend on that order).
    // Adam's update g / (sqrt(v) + eps) amplifies float rounding in near-zero gradients by up to lr / eps, and
    // summing 8 rows at once or 4 + 4 rounds differently; epsilon 1e-3 keeps this a test of accumulation, not of
    // rounding (with the default 1e-8 the two runs differ by up to ~2e-4 in a weight).
    const rows = markerTask({ count: 8, seed: 23, minLength: 8, maxLength: 8 });
    const teacher = tinyEncoder({ seed: 5 });
    const run = async (batchSize: number, gradientAccumulation: number) => {
      const student = tinyEncoder({ seed: 9, dropout: 0 });
      const result = await distill({
        ...quietOptions(await tempRunDir()),
        teacher,
        student,
        train: prepared(rows),
        data: { maxLength: 16, validationFraction: 0 },
        schedule: { batchSize, epochs: 3, maxSteps: 3, warmupSteps: 0, decay: 'constant' },
        optimizer: { learningRate: 1e-2, epsilon: 1e-3, gradientAccumulation },
      });
      const w = weightValues(student);
      student.dispose();
      expect(result.steps).toBe(3);
      return w.flatMap((x) => Array.from(x.values));
    };
    await expectNoLeaks(async () => {
      const fresh = tinyEncoder({ seed: 9 });
      const initial = weightValues(fresh).flatMap((x) => Array.from(x.values));
      fresh.dispose();
      const big = await run(8, 1);
      const accumulated = await run(4, 2);
      const small = await run(4, 1); // 3 updates on 4-row batches: a different trajectory
      expect(maxAbsDiff(big, initial)).toBeGreaterThan(1e-2); // the runs did train
      expect(maxAbsDiff(accumulated, big)).toBeLessThan(1e-6);
      expect(maxAbsDiff(small, big)).toBeGreaterThan(1e-3);
    });
    teacher.dispose();
  });
});
