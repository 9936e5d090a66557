import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { TfdistillError } from '../errors.js';
import { loadModel } from '../io/load-model.js';
import type { Teacher } from '../models/types.js';
import { expectNoLeaks } from '../../test/helpers.js';
import {
  markerTask,
  prepared,
  quietOptions,
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

const train = markerTask({ count: 16, seed: 51 });

/** The TfdistillError `promise` rejects with (fails the test when it resolves or throws anything else). */
async function tfdError(promise: Promise<unknown>): Promise<TfdistillError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TfdistillError);
  return err as TfdistillError;
}

describe('distill: a non-finite loss', () => {
  it('stops with NON_FINITE naming the step and the teacher tensor, and keeps the last good checkpoint', async () => {
    const teacher = tinyEncoder({ seed: 5 });
    const out = await tempRunDir();
    await expectNoLeaks(async () => {
      // A teacher that turns NaN from step 5 on (its logits for step 5's batch are requested after step 4 ends).
      let poisoned = false;
      const wrapped: Teacher = {
        predict: (ids) => {
          const o = tf.tidy(() => ({ logits: teacher.predict(ids) as tf.Tensor }));
          if (!poisoned) return o;
          const nan = tf.tidy(() => tf.mul(o.logits, NaN));
          o.logits.dispose();
          return { logits: nan };
        },
      };
      const err = await tfdError(
        distill(
          withOptions(quietOptions(out), {
            teacher: wrapped,
            train: prepared(train),
            data: { maxLength: 16, validationFraction: 0, cacheTeacher: false },
            schedule: { epochs: 10, batchSize: 4 },
            checkpoints: { every: 2 },
            logging: {
              logEvery: 3,
              callbacks: {
                onStepEnd: ({ step }) => {
                  poisoned ||= step === 4;
                },
              },
            },
          }),
        ),
      );
      expect(err.code).toBe('NON_FINITE');
      expect(err.message).toBe('the tensor "teacher logits" holds NaN or Infinity at step 5');
      expect(err.hint).toMatch(/resume from the last checkpoint/);
    });
    // Checkpoints 2 and 4 were written before the NaN; nothing after it (step 6 would be both a log point and a
    // checkpoint, and the loss check runs first).
    const dirs = (await fs.readdir(path.join(out, 'checkpoints'))).sort();
    expect(dirs).toEqual(['step-00000002', 'step-00000004']);
    const last = await loadModel(path.join(out, 'checkpoints', 'step-00000004'));
    for (const w of weightValues(last.model)) expect(w.values.every(Number.isFinite), w.name).toBe(true);
    expect((last.meta.training as { step: number }).step).toBe(4);
    last.model.dispose();
    teacher.dispose();
  });
});

describe('distill: bad options fail fast', () => {
  const base = async (): Promise<DistillOptions> => ({ ...quietOptions(await tempRunDir()), train: prepared(train), loss: { alpha: 0 } });

  it.each<[string, Partial<DistillOptions>, RegExp]>([
    ['epochs 0', { schedule: { epochs: 0 } }, /schedule\.epochs must be a positive integer, got 0/],
    ['a negative learning rate', { optimizer: { learningRate: -1e-3 } }, /optimizer\.learningRate must be > 0, got -0\.001/],
    [
      'an unknown precision',
      { runtime: { precision: 'float8' as never } },
      /runtime\.precision must be float32, mixed-float16 or mixed-bfloat16, got float8/,
    ],
    ['missing train data', { train: undefined as never }, /distill needs train data/],
    ['a fractional batch size', { schedule: { batchSize: 2.5 } }, /schedule\.batchSize must be a positive integer/],
    ['a negative clip norm', { optimizer: { clipGlobalNorm: -1 } }, /optimizer\.clipGlobalNorm must be >= 0/],
    [
      'an unknown best metric',
      { schedule: { bestMetric: 'f1' as never } },
      /schedule\.bestMetric must be one of accuracy, agreement, macroF1, klTeacherStudent, meanCosine, spearman, recallAt10, got f1/,
    ],
    [
      'conflicting early-stopping and best metrics',
      { schedule: { bestMetric: 'accuracy', earlyStopping: { metric: 'agreement', patience: 2 } } },
      /schedule\.earlyStopping\.metric \(agreement\) and schedule\.bestMetric \(accuracy\) must be the same metric/,
    ],
    ['a top-level option of 0.1', { epochs: 1 } as never, /^epochs is schedule\.epochs now$/],
    ['a renamed option of 0.1', { keepCheckpoints: 1 } as never, /^keepCheckpoints is checkpoints\.keep now$/],
    ['an option in the wrong group', { optimizer: { epochs: 1 } } as never, /^optimizer\.epochs is schedule\.epochs$/],
    ['a misspelt option', { schedule: { epoch: 1 } } as never, /^unknown option 'schedule\.epoch'$/],
    ['a group that is not an object', { schedule: 3 } as never, /^schedule must be an object of options$/],
  ])('rejects %s with INVALID_ARGUMENT before touching the disk', async (_, bad, message) => {
    await expectNoLeaks(async () => {
      const options = { ...(await base()), ...bad };
      const err = await tfdError(distill(options));
      expect(err.code).toBe('INVALID_ARGUMENT');
      expect(err.message).toMatch(message);
      await expect(fs.stat(options.out!)).rejects.toThrow(); // the run directory was never created
    });
  });

  it('refuses an existing non-empty out without resume or force (OUTPUT_EXISTS), and replaces it with force', async () => {
    await expectNoLeaks(async () => {
      const options = await base();
      await fs.mkdir(options.out!, { recursive: true });
      await fs.writeFile(path.join(options.out!, 'notes.txt'), 'a previous run');
      const err = await tfdError(distill({ ...options, schedule: { epochs: 1 } }));
      expect(err.code).toBe('OUTPUT_EXISTS');
      expect(err.hint).toMatch(/checkpoints.resume .* checkpoints.force/);
      expect(await fs.readFile(path.join(options.out!, 'notes.txt'), 'utf8')).toBe('a previous run');

      const result = await distill({ ...options, schedule: { epochs: 1 }, checkpoints: { force: true } });
      expect(result.steps).toBe(1);
      await expect(fs.stat(path.join(options.out!, 'notes.txt'))).rejects.toThrow();
      result.student.dispose();
    });
  });

  it('rejects raw validation records next to prepared train examples instead of silently skipping evaluation', async () => {
    await expectNoLeaks(async () => {
      const err = await tfdError(
        distill({ ...(await base()), validation: [{ text: 't0 t0 t1', label: 'moreA' }], schedule: { epochs: 1 } }),
      );
      expect(err.code).toBe('INVALID_ARGUMENT');
      expect(err.message).toMatch(/validation must be prepared examples too/);
    });
  });

  it('rejects training without teacher, teacher logits or (alpha 0) labels', async () => {
    await expectNoLeaks(async () => {
      const err = await tfdError(distill({ ...(await base()), loss: { alpha: 0.5 }, schedule: { epochs: 1 } }));
      expect(err.code).toBe('INVALID_ARGUMENT');
      expect(err.message).toMatch(/no teacher/);
    });
  });
});
