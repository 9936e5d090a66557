import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks, maxAbsDiff } from '../../test/helpers.js';
import {
  captureStream,
  markerTask,
  prepared,
  quietOptions,
  removeTempDirs,
  tempRunDir,
  tinyEncoder,
  weightValues,
  withOptions,
} from '../../test/integration/tiny-task.js';
import { useBackend } from '../backend/use-backend.js';
import type { EncoderOptions } from '../models/options.js';
import { distill } from './distill.js';
import type { DistillOptions } from './distill-options.js';

beforeAll(async () => {
  await useBackend('wasm');
});
afterAll(removeTempDirs);

const train = markerTask({ count: 30, seed: 21 });
const validation = markerTask({ count: 8, seed: 22, firstIndex: 100 });

/** Trains a fresh student (same seed every time) with `options`; returns its weights and the run's log. */
async function run(options: Partial<DistillOptions>, models: Partial<EncoderOptions> = {}) {
  const teacher = tinyEncoder({ seed: 5, dModel: 24, ffnDim: 48, ...models });
  const student = tinyEncoder({ seed: 6, dropout: 0, ...models });
  const log = captureStream();
  try {
    // Adam's epsilon 1: the update follows the gradient (a tiny epsilon turns float noise in near-zero gradients into
    // full-size steps, which would hide the comparison this test makes).
    const base = withOptions(quietOptions(await tempRunDir()), {
      teacher,
      student,
      train: prepared(train),
      validation: prepared(validation),
      schedule: { batchSize: 7 },
      optimizer: { learningRate: 1e-2, epsilon: 1 },
      logging: { progress: log },
    });
    const result = await distill(withOptions(base, options));
    return { weights: weightValues(student), result, log: log.text };
  } finally {
    teacher.dispose();
    student.dispose();
  }
}

const maxDiff = (a: { values: Float32Array }[], b: { values: Float32Array }[]) =>
  Math.max(...a.map((w, i) => maxAbsDiff(w.values, b[i].values)));

describe('distill: replicas', () => {
  it('with a live teacher copied into the workers, 2 and 3 replicas train the same student as 1 (batch 7: uneven shards)', async () => {
    await expectNoLeaks(async () => {
      const one = await run({ data: { cacheTeacher: false }, schedule: { epochs: 1 }, runtime: { replicas: 1 } });
      const two = await run({ data: { cacheTeacher: false }, schedule: { epochs: 1 }, runtime: { replicas: 2 } });
      const three = await run({ data: { cacheTeacher: false }, schedule: { epochs: 1 }, runtime: { replicas: 3 } });
      expect(two.log).toContain('data-parallel: 2 replicas (this thread + 1 worker thread)');
      expect(three.log).toContain('data-parallel: 3 replicas (this thread + 2 worker threads)');
      expect(two.result.steps).toBe(one.result.steps);
      expect(maxDiff(one.weights, two.weights)).toBeLessThan(1e-5);
      expect(maxDiff(one.weights, three.weights)).toBeLessThan(1e-5);
      // Training moved the weights well beyond that tolerance.
      const fresh = tinyEncoder({ seed: 6, dropout: 0 });
      expect(maxDiff(one.weights, weightValues(fresh))).toBeGreaterThan(1e-3);
      fresh.dispose();
    });
  });

  it('fills the teacher cache on the replicas and trains on it like one replica does', async () => {
    await expectNoLeaks(async () => {
      const one = await run({ schedule: { epochs: 2 }, runtime: { replicas: 1 } });
      const two = await run({ schedule: { epochs: 2 }, runtime: { replicas: 2 } });
      expect(two.log).toMatch(/running the teacher once over 30 training rows on 2 replicas/);
      expect(maxDiff(one.weights, two.weights)).toBeLessThan(1e-5);
      expect(two.result.history.at(-1)!.metrics.accuracy).toBeCloseTo(one.result.history.at(-1)!.metrics.accuracy as number, 6);
    });
  });

  it('with intermediate-layer losses (a learned projection) and mixed-float16 loss scaling, 2 replicas match 1', async () => {
    await expectNoLeaks(async () => {
      const options: Partial<DistillOptions> = {
        schedule: { epochs: 1 },
        runtime: { precision: 'mixed-float16' },
        loss: {
          intermediate: [
            { loss: 'hiddenMse', weight: 1, layerMap: [[0, 0]] },
            { loss: 'attentionKl', weight: 0.5, layerMap: [[0, 0]] },
          ],
        },
      };
      const outputs: Partial<EncoderOptions> = { outputs: ['logits', 'hidden', 'attention'] };
      const one = await run(withOptions(options, { runtime: { replicas: 1 } }), outputs);
      const two = await run(withOptions(options, { runtime: { replicas: 2 } }), outputs);
      expect(two.log).toContain('data-parallel: 2 replicas');
      expect(maxDiff(one.weights, two.weights)).toBeLessThan(1e-4);
    });
  });

  it('accepts replicas: auto and rejects bad counts before doing anything', async () => {
    const auto = await run({ schedule: { epochs: 1, maxSteps: 1 }, runtime: { replicas: 'auto' } });
    expect(auto.result.steps).toBe(1);
    for (const replicas of [0, 1.5, 17, 'two' as never]) {
      await expect(run({ schedule: { epochs: 1 }, runtime: { replicas } })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(/runtime\.replicas/),
      });
    }
  });
});
