import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { loadModel } from '../io/load-model.js';
import { expectNoLeaks, maxAbsDiff } from '../../test/helpers.js';
import {
  captureStream,
  markerTask,
  prepared,
  quietOptions,
  readMetrics,
  removeTempDirs,
  tempRunDir,
  tinyEncoder,
  TINY_STUDENT,
  weightValues,
  withOptions,
} from '../../test/integration/tiny-task.js';
import { teacherFromEncoder } from '../models/teacher.js';
import type { Teacher } from '../models/types.js';
import { distill } from './distill.js';
import type { DistillOptions } from './distill-options.js';

beforeAll(async () => {
  await useBackend('wasm');
});
afterAll(removeTempDirs);

const train = markerTask({ count: 20, seed: 41 });
const validation = markerTask({ count: 8, seed: 42, firstIndex: 100 });
const stepDir = (s: number) => `step-${String(s).padStart(8, '0')}`;

/**
 * Runs `fn` with distill's signal listener as the ONLY SIGINT/SIGTERM listener of this process, so an emitted SIGINT
 * reaches nothing else (the test runner's own listeners, if any, are put back afterwards).
 */
async function withOnlyOurSignalListeners<T>(fn: () => Promise<T>): Promise<T> {
  const saved = (['SIGINT', 'SIGTERM'] as const).map((sig) => [sig, process.listeners(sig)] as const);
  for (const [sig, listeners] of saved) for (const l of listeners) process.removeListener(sig, l);
  try {
    return await fn();
  } finally {
    for (const [sig, listeners] of saved) for (const l of listeners) process.on(sig, l);
  }
}

/** A run stopped by a (programmatic) Ctrl-C right after update `stopAt`. */
async function interruptedRun(options: DistillOptions, stopAt: number) {
  return withOnlyOurSignalListeners(async () => {
    let listenersDuringRun = -1;
    const result = await distill(
      withOptions(options, {
        runtime: { handleSignals: true },
        logging: {
          callbacks: {
            onStepEnd: ({ step }) => {
              if (step !== stopAt) return;
              listenersDuringRun = process.listenerCount('SIGINT');
              process.emit('SIGINT');
            },
          },
        },
      }),
    );
    expect(listenersDuringRun).toBe(1); // distill's own StopSignal, nothing else
    expect(process.listenerCount('SIGINT')).toBe(0); // removed again when distill returns
    expect(process.listenerCount('SIGTERM')).toBe(0);
    return result;
  });
}

describe('distill: checkpoints', () => {
  it('checkpoints every N steps atomically and keeps the last K plus the best', async () => {
    await expectNoLeaks(async () => {
      const teacher = tinyEncoder({ seed: 5 });
      const out = await tempRunDir();
      const saved: number[] = [];
      // What a crash in the middle of pruning leaves behind: removed by the next save.
      await fs.mkdir(path.join(out, 'checkpoints', '.trash-step-00000002'), { recursive: true });
      await fs.writeFile(path.join(out, 'checkpoints', '.trash-step-00000002', 'model.json'), '{');
      // A vanishing learning rate: the first evaluation (step 1) stays the best, so pruning must spare it.
      const result = await distill(
        withOptions(quietOptions(out), {
          teacher,
          train: prepared(train),
          validation: prepared(validation),
          schedule: { epochs: 5, batchSize: 8, maxSteps: 10, evalEvery: 1 },
          checkpoints: { every: 3, keep: 2, resume: true },
          optimizer: { learningRate: 1e-9 },
          logging: { callbacks: { onCheckpoint: ({ step }) => void saved.push(step) } },
        }),
      );
      expect(result.steps).toBe(10);
      expect(result.best?.step).toBe(1);
      expect(saved).toEqual([1, 3, 6, 9, 10]); // the improving eval, every 3rd step, the last step
      const entries = (await fs.readdir(path.join(out, 'checkpoints'))).sort();
      // Nothing but complete step directories: no temp or moved-aside copies left behind by the atomic writes.
      expect(entries).toEqual([stepDir(1), stepDir(9), stepDir(10)]);
      for (const e of entries) {
        const files = await fs.readdir(path.join(out, 'checkpoints', e));
        expect(files).toEqual(expect.arrayContaining(['model.json', 'tfdistill.json', 'tokenizer.json', 'optimizer']));
        const meta = JSON.parse(await fs.readFile(path.join(out, 'checkpoints', e, 'tfdistill.json'), 'utf8'));
        expect(meta.training.step).toBe(Number(e.slice(5)));
      }
      result.student.dispose();
      teacher.dispose();
    });
  });
});

describe('distill: graceful stop and exact resume', () => {
  const options = async (out: string, teacher: import('@tensorflow/tfjs').LayersModel): Promise<DistillOptions> =>
    withOptions(quietOptions(out), {
      teacher,
      train: prepared(train),
      validation: prepared(validation),
      // Dropout on, so that the dropout RNG state must be restored for the runs to agree.
      student: { ...TINY_STUDENT, dropout: 0.2 },
      schedule: { epochs: 3, batchSize: 4, evalEvery: 4 },
      optimizer: { learningRate: 1e-2 },
      logging: { logEvery: 1 },
    });

  it.each(['SIGINT', 'SIGTERM'] as const)(
    '%s finishes the current step, writes a checkpoint and returns interrupted with a resume message',
    async (sig) => {
      await expectNoLeaks(async () => {
        const teacher = tinyEncoder({ seed: 5 });
        const out = await tempRunDir();
        const stream = captureStream();
        const steps: number[] = [];
        const result = await withOnlyOurSignalListeners(async () =>
          distill(
            withOptions(await options(out, teacher), {
              runtime: { handleSignals: true },
              logging: {
                progress: stream,
                callbacks: {
                  onStepEnd: ({ step }) => {
                    steps.push(step);
                    if (step === 6) process.emit(sig);
                  },
                },
              },
            }),
          ),
        );
        expect(result.interrupted).toBe(true);
        expect(result.stoppedEarly).toBe(false);
        expect(result.steps).toBe(6);
        expect(steps).toEqual([1, 2, 3, 4, 5, 6]); // the step in flight finished, no further step started
        expect(stream.text).toContain(`${sig}: stopping after the current step`);
        expect(stream.text).toMatch(/Stopped at step 6; checkpoint saved in .*step-00000006\.\nResume with: .*--resume/);
        const meta = JSON.parse(await fs.readFile(path.join(out, 'checkpoints', stepDir(6), 'tfdistill.json'), 'utf8'));
        expect(meta.training.step).toBe(6);
        // An interrupted run exports nothing: the checkpoint is what to resume from.
        await expect(fs.stat(path.join(out, 'student'))).rejects.toThrow();
        result.student.dispose();
        teacher.dispose();
      });
    },
  );

  it.each<[string, Partial<DistillOptions>]>([
    ['float32', {}],
    // Accumulation: 10 micro-batches of 2 per epoch; loss scaling: its state travels in the checkpoint too.
    [
      'mixed-float16 with 2 accumulated micro-batches',
      { runtime: { precision: 'mixed-float16' }, schedule: { batchSize: 2 }, optimizer: { gradientAccumulation: 2 } },
    ],
    // The worker's dropout masks come from (seed, step, rank), so a resumed data-parallel run repeats them too.
    ['2 data-parallel replicas', { runtime: { replicas: 2 } }],
  ])('resume: true continues from the latest checkpoint and reaches the same weights as an uninterrupted run (%s)', async (_, variant) => {
    await expectNoLeaks(async () => {
      const teacher = tinyEncoder({ seed: 5 });
      const opts = async (dir: string): Promise<DistillOptions> => withOptions(await options(dir, teacher), variant);
      // 20 rows / batch 4 = 5 updates per epoch; stopping after step 7 leaves the data position mid-epoch 2.
      const fullOut = await tempRunDir();
      const full = await distill(await opts(fullOut));
      expect(full.steps).toBe(15);

      const out = await tempRunDir();
      const first = await interruptedRun(await opts(out), 7);
      expect(first.interrupted).toBe(true);
      expect(first.steps).toBe(7);
      first.student.dispose();
      const stream = captureStream();
      if (variant.runtime?.precision) {
        const meta = JSON.parse(await fs.readFile(path.join(out, 'checkpoints', stepDir(7), 'tfdistill.json'), 'utf8'));
        expect(meta.extra.snapshot.lossScale.goodSteps).toBeGreaterThan(0);
      }
      const resumed = await distill(withOptions(await opts(out), { checkpoints: { resume: true }, logging: { progress: stream } }));
      expect(stream.text).toContain(`resuming from ${path.join(out, 'checkpoints', stepDir(7))} (step 7)`);
      expect(resumed.steps).toBe(15);
      expect(resumed.interrupted).toBe(false);

      // Same final weights (the last step checkpoint of each run), same returned student, same history.
      const a = await loadModel(path.join(fullOut, 'checkpoints', stepDir(15)));
      const b = await loadModel(path.join(out, 'checkpoints', stepDir(15)));
      const wa = weightValues(a.model),
        wb = weightValues(b.model);
      expect(wb.length).toBe(wa.length);
      wa.forEach((w, i) => {
        expect(maxAbsDiff(wb[i].values, w.values), w.name).toBeLessThanOrEqual(1e-6);
      });
      const ra = weightValues(full.student),
        rb = weightValues(resumed.student);
      ra.forEach((w, i) => {
        expect(maxAbsDiff(rb[i].values, w.values), w.name).toBeLessThanOrEqual(1e-6);
      });
      expect(resumed.history.map((h) => h.step)).toEqual(full.history.map((h) => h.step));
      resumed.history.forEach((h, i) => {
        expect(h.metrics.klTeacherStudent).toBeCloseTo(full.history[i].metrics.klTeacherStudent!, 6);
      });
      expect(resumed.best?.step).toBe(full.best?.step);

      // Every step's loss matches too (same batches, same dropout masks), and no step is logged twice.
      const lossesA = (await readMetrics(fullOut)).filter((r) => r.kind === 'train');
      const lossesB = (await readMetrics(out)).filter((r) => r.kind === 'train');
      expect(lossesB.map((r) => r.step)).toEqual(lossesA.map((r) => r.step));
      lossesB.forEach((r, i) => {
        expect(r.loss as number).toBeCloseTo(lossesA[i].loss as number, 6);
      });

      // The loss-scale state continued too (its goodSteps counter would restart at 0 otherwise).
      const snapshotOf = async (dir: string) =>
        JSON.parse(await fs.readFile(path.join(dir, 'checkpoints', stepDir(15), 'tfdistill.json'), 'utf8')).extra.snapshot;
      expect((await snapshotOf(out)).lossScale).toEqual((await snapshotOf(fullOut)).lossScale);

      tf_dispose(a.model, b.model, full.student, resumed.student, teacher);
    });
  });

  it('an asynchronous teacher runs one batch ahead: the same weights as the synchronous teacher, and exact resume', async () => {
    await expectNoLeaks(async () => {
      const model = tinyEncoder({ seed: 5 });
      const sync = teacherFromEncoder(model);
      let inFlight = 0,
        maxInFlight = 0,
        calls = 0;
      // Answers a macrotask later, like ONNX Runtime's worker thread; counts how many batches it holds at once.
      const asyncTeacher: Teacher = {
        async: true,
        predict: async (ids, mask, types) => {
          calls++;
          maxInFlight = Math.max(maxInFlight, ++inFlight);
          await new Promise((r) => setTimeout(r, 1));
          inFlight--;
          return sync.predict(ids, mask, types);
        },
      };
      // One replica: with two, a synchronous teacher runs on each shard and an asynchronous one on the whole batch,
      // which rounds differently (1e-7); the point here is the prefetch, not the sharding.
      const opts = async (dir: string, teacher: Teacher): Promise<DistillOptions> =>
        withOptions(await options(dir, model), { teacher, data: { cacheTeacher: false }, runtime: { replicas: 1 } });
      const syncRun = await distill(await opts(await tempRunDir(), sync));
      const fullOut = await tempRunDir();
      calls = 0;
      const full = await distill(await opts(fullOut, asyncTeacher));
      expect(full.steps).toBe(15);
      // 15 training batches (none fetched past the last step) + the 2 validation batches, computed once up front.
      expect(calls).toBe(15 + 2);
      expect(maxInFlight).toBe(1);
      const ws = weightValues(syncRun.student),
        wf = weightValues(full.student);
      ws.forEach((w, i) => {
        expect(maxAbsDiff(wf[i].values, w.values), w.name).toBe(0);
      });

      const out = await tempRunDir();
      const first = await interruptedRun(await opts(out, asyncTeacher), 7);
      expect(first.steps).toBe(7);
      first.student.dispose();
      const resumed = await distill({ ...(await opts(out, asyncTeacher)), checkpoints: { resume: true } });
      expect(resumed.steps).toBe(15);
      const wr = weightValues(resumed.student);
      wf.forEach((w, i) => {
        expect(maxAbsDiff(wr[i].values, w.values), w.name).toBeLessThanOrEqual(1e-6);
      });
      tf_dispose(syncRun.student, full.student, resumed.student, model);
    });
  });

  it('dropout really is on in these runs (so the resume above depends on restoring the dropout RNG)', async () => {
    await expectNoLeaks(async () => {
      // Guards the resume test against passing vacuously: the same run with dropout 0 ends elsewhere, so the masks
      // matter, and a resume that replayed or skipped masks could not reproduce the uninterrupted weights.
      const teacher = tinyEncoder({ seed: 5 });
      const run = async (dropout: number) => {
        const r = await distill(
          withOptions(await options(await tempRunDir(), teacher), { student: { ...TINY_STUDENT, dropout }, schedule: { maxSteps: 3 } }),
        );
        const w = weightValues(r.student);
        r.student.dispose();
        return w.flatMap((x) => Array.from(x.values));
      };
      expect(maxAbsDiff(await run(0.2), await run(0))).toBeGreaterThan(1e-4);
      teacher.dispose();
    });
  });
});

function tf_dispose(...models: Array<{ dispose(): unknown }>): void {
  for (const m of models) m.dispose();
}
