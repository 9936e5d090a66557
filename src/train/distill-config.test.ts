import { describe, expect, it } from 'vitest';
import { DEFAULT_ALPHA, DEFAULT_TEMPERATURE } from '../losses/distillation-loss.js';
import {
  bestMetricFor,
  DISTILL_DEFAULTS,
  maxLengthFor,
  planTraining,
  resolveDistillConfig,
  studentTokenizerFor,
  wantsTeacherCache,
} from './distill-config.js';
import { STUDENT_DIR } from './distill-finish.js';

describe('resolveDistillConfig', () => {
  it('fills in every default once', () => {
    const c = resolveDistillConfig({ train: 'train.csv' });
    expect(c.out).toBe('tfdistill-run');
    expect(c.seed).toBe(42);
    expect(c.task).toBe('classification');
    expect(c.loss).toEqual({
      temperature: DEFAULT_TEMPERATURE,
      alpha: DEFAULT_ALPHA,
      labelSmoothing: 0,
      intermediate: [],
      embedding: { kind: 'mse', contrastive: 0, contrastiveTemperature: 0.05 },
    });
    expect(c.optimizer).toMatchObject({ learningRate: 5e-4, weightDecay: 0.01, clipGlobalNorm: 1, gradientAccumulation: 1 });
    expect(c.schedule).toMatchObject({ epochs: 3, batchSize: 32, maxSteps: Infinity, decay: 'linear' });
    expect(c.runtime).toMatchObject({ backend: 'auto', replicas: 'auto', precision: 'float32', handleSignals: true });
    expect(c.checkpoints).toMatchObject({ keep: 2, resume: false, force: false, exportDir: STUDENT_DIR });
    expect(c.data).toMatchObject({ validationFraction: 0.1, cacheTeacher: 'auto' });
    expect(c.logging.logEvery).toBe(10);
    expect(c.logging.progress).toBe(process.stderr);
    expect(c.logging.callbacks).toEqual({});
  });

  it('keeps what the caller gave, and silences progress: false', () => {
    const c = resolveDistillConfig({
      train: 'train.csv',
      optimizer: { clipGlobalNorm: 0 },
      schedule: { epochs: 1, bestMetric: 'macroF1' },
      logging: { progress: false },
    });
    expect(c.schedule.epochs).toBe(1);
    expect(c.optimizer.clipGlobalNorm).toBe(0);
    expect(c.logging.progress).not.toBe(process.stderr);
    expect(c.logging.progress.write('dropped')).toBe(true);
    expect(bestMetricFor(c, true)).toBe('macroF1');
  });
});

describe('defaults that depend on the run', () => {
  const config = resolveDistillConfig({ train: 'train.csv', optimizer: { gradientAccumulation: 2 } });

  it('planTraining: an evaluation and a checkpoint per epoch, 6% warmup, maxSteps caps the run', () => {
    const plan = planTraining(config, 101);
    expect(plan).toMatchObject({ stepsPerEpoch: 50, totalSteps: 150, evalEvery: 50, checkpointEvery: 50 });
    const warmupSteps = Math.floor(DISTILL_DEFAULTS.schedule.warmupFraction * 150); // 9
    expect(plan.lr).toEqual({ base: 5e-4, warmupSteps, totalSteps: 150, decay: 'linear' });
    const capped = resolveDistillConfig({ train: 'train.csv', schedule: { maxSteps: 7, evalEvery: 3 }, checkpoints: { every: 2 } });
    expect(planTraining(capped, 100)).toMatchObject({ totalSteps: 7, evalEvery: 3, checkpointEvery: 2 });
  });

  it('best metric, max length, student tokenizer and teacher cache', () => {
    expect([bestMetricFor(config, true), bestMetricFor(config, false)]).toEqual(['accuracy', 'agreement']);
    expect([
      maxLengthFor(config.data.maxLength, undefined),
      maxLengthFor(config.data.maxLength, 64),
      maxLengthFor(config.data.maxLength, 512),
      maxLengthFor(32, 64),
    ]).toEqual([128, 64, 128, 32]);
    expect([studentTokenizerFor(config, true), studentTokenizerFor(config, false)]).toEqual(['train', 'teacher']);
    expect(wantsTeacherCache(config)).toBe(true);
    expect(wantsTeacherCache(resolveDistillConfig({ train: 'train.csv', schedule: { epochs: 1 } }))).toBe(false);
    expect(wantsTeacherCache(resolveDistillConfig({ train: 'train.csv', data: { cacheTeacher: true }, schedule: { epochs: 1 } }))).toBe(
      true,
    );
  });
});
