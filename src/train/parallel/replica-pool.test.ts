import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks, maxAbsDiff } from '../../../test/helpers.js';
import { useBackend } from '../../backend/use-backend.js';
import type { Batch } from '../../data/types.js';
import { createEncoder } from '../../models/encoder.js';
import { teacherFromEncoder } from '../../models/teacher.js';
import { AdamW } from '../adamw.js';
import { DISTILL_DEFAULTS } from '../distill-config.js';
import { disposeDeviceBatch, kdLossFn, toDeviceBatch, type KdLossConfig } from '../kd-loss.js';
import { disposeStepResult, trainStep } from '../step.js';
import { ReplicaPool, replicaSeed } from './replica-pool.js';

beforeAll(async () => {
  await useBackend('wasm');
});

const shape = { vocabSize: 40, maxLength: 12, numClasses: 3, dropout: 0, numHeads: 2, numLayers: 1 };
const config: KdLossConfig = {
  task: 'classification',
  embedding: DISTILL_DEFAULTS.loss.embedding,
  temperature: 2,
  alpha: 0.6,
  labelSmoothing: 0,
  intermediate: [],
  projections: {},
  precision: 'float32',
};

/** A batch of 7 rows (so 3 replicas get 3 + 2 + 2), some padded, with labels. */
function batchOf(seed: number): Batch {
  let s = seed;
  const next = () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return s >>> 8;
  };
  const rows = 7,
    seq = 10;
  const inputIds = new Int32Array(rows * seq).map((_, i) => (i % seq < 4 + (Math.floor(i / seq) % 5) ? 1 + (next() % 39) : 0));
  return {
    inputIds,
    batchSize: rows,
    seqLength: seq,
    labels: new Int32Array(rows).map(() => next() % 3),
    indices: new Int32Array(rows).map((_, i) => i),
  };
}

/** Two identical students (same seed), one trained on whole batches here, one data-parallel; the weights must agree. */
async function compare(opts: { replicas: number; cached: boolean; replicateTeacher: boolean }) {
  const teacherModel = createEncoder({ ...shape, dModel: 16, ffnDim: 32, seed: 3, name: 'teacher' });
  const teacher = teacherFromEncoder(teacherModel);
  const make = () => createEncoder({ ...shape, dModel: 8, ffnDim: 16, seed: 4, name: 'student' });
  const [alone, parallel] = [make(), make()];
  const vars = (m: tf.LayersModel) => m.trainableWeights.map((w) => w.read() as tf.Variable);
  // epsilon 1: Adam scales tiny float-noise gradients up to full steps; with a large epsilon the update follows the gradient.
  const [optA, optP] = [new AdamW({ learningRate: 0.01, epsilon: 1 }), new AdamW({ learningRate: 0.01, epsilon: 1 })];
  const pool = await ReplicaPool.start({
    replicas: opts.replicas,
    backend: 'wasm',
    student: parallel,
    teacher: opts.replicateTeacher ? teacherModel : undefined,
    loss: config,
    needTeacherInternals: false,
    numClasses: 3,
  });
  const losses: [number, number][] = [];
  const workerCounts: (number | undefined)[][] = [];
  try {
    for (let step = 0; step < 3; step++) {
      let batch = batchOf(step + 1);
      if (opts.cached) {
        const logits = tf.tidy(() => teacher.predict(tf.tensor2d(batch.inputIds, [7, 10], 'int32')).logits.dataSync() as Float32Array);
        batch = { ...batch, teacherLogits: logits, numClasses: 3 };
      }
      const whole = toDeviceBatch(batch, { teacher, needTeacherInternals: false, numClasses: 3 });
      const a = await trainStep({
        variables: vars(alone),
        optimizer: optA,
        clipGlobalNorm: 1,
        lossFn: kdLossFn({ student: alone, batch: whole, step, config }),
      });
      disposeDeviceBatch(whole);

      let [mine, ...theirs] = pool.shards(batch);
      if (!opts.cached && !opts.replicateTeacher) {
        // An unreplicated teacher: this thread computes the other shards' logits and ships them.
        theirs = theirs.map((s) => ({
          ...s,
          numClasses: 3,
          teacherLogits: tf.tidy(
            () => teacher.predict(tf.tensor2d(s.inputIds, [s.batchSize, s.seqLength], 'int32')).logits.dataSync() as Float32Array,
          ),
        }));
      }
      const peers = pool.gradients(theirs, { variables: vars(parallel), step, seed: 42 });
      const device = toDeviceBatch(mine, { teacher, needTeacherInternals: false, numClasses: 3 });
      const p = await trainStep({
        variables: vars(parallel),
        optimizer: optP,
        clipGlobalNorm: 1,
        batchSize: mine.batchSize,
        peers,
        lossFn: kdLossFn({ student: parallel, batch: device, step, config }),
      });
      disposeDeviceBatch(device);
      workerCounts.push(pool.workerTensorCounts());
      losses.push([(await a.total.data())[0], (await p.total.data())[0]]);
      expect(Object.keys(p.terms)).toEqual(Object.keys(a.terms));
      disposeStepResult(a);
      disposeStepResult(p);
    }
    for (const [la, lp] of losses) expect(Math.abs(la - lp)).toBeLessThan(1e-5);
    // The workers free everything per step too: their tensor counts after steps 2 and 3 equal those after step 1.
    expect(workerCounts[0].every((c) => c !== undefined && c > 0)).toBe(true);
    expect(workerCounts.slice(1)).toEqual([workerCounts[0], workerCounts[0]]);
    const diffs = vars(alone).map((v, i) => maxAbsDiff(v.dataSync(), vars(parallel)[i].dataSync()));
    expect(Math.max(...diffs)).toBeLessThan(1e-6);
    expect(optP.step).toBe(3);
    // The training moved the weights (so agreeing is not trivially true).
    const fresh = make();
    expect(Math.max(...vars(fresh).map((v, i) => maxAbsDiff(v.dataSync(), vars(alone)[i].dataSync())))).toBeGreaterThan(1e-4);
    fresh.dispose();
  } finally {
    await pool.close();
    [optA, optP].forEach((o) => {
      o.dispose();
    });
    [alone, parallel, teacherModel].forEach((m) => {
      m.dispose();
    });
  }
}

describe('ReplicaPool', () => {
  it("with a replicated live teacher, 3 replicas (3 + 2 + 2 rows) reach the whole batch's weights; no leaks", async () => {
    await expectNoLeaks(() => compare({ replicas: 3, cached: false, replicateTeacher: true }));
  });

  it("with cached teacher logits in the shards, 2 replicas reach the whole batch's weights", async () => {
    await expectNoLeaks(() => compare({ replicas: 2, cached: true, replicateTeacher: false }));
  });

  it('with a teacher that stays here, shipped logits give the same weights', async () => {
    await expectNoLeaks(() => compare({ replicas: 2, cached: false, replicateTeacher: false }));
  });

  it("computes teacher logits in a worker equal to this thread's", async () => {
    await expectNoLeaks(async () => {
      const teacherModel = createEncoder({ ...shape, dModel: 16, ffnDim: 32, seed: 3, name: 'teacher' });
      const student = createEncoder({ ...shape, dModel: 8, ffnDim: 16, seed: 4, name: 'student' });
      const pool = await ReplicaPool.start({
        replicas: 2,
        backend: 'wasm',
        student,
        teacher: teacherModel,
        loss: config,
        needTeacherInternals: false,
      });
      try {
        const b = batchOf(9);
        const remote = await pool.teacherLogits(0, b.inputIds, b.batchSize, b.seqLength);
        const local = tf.tidy(() =>
          teacherFromEncoder(teacherModel)
            .predict(tf.tensor2d(b.inputIds, [7, 10], 'int32'))
            .logits.dataSync(),
        );
        expect(remote.numClasses).toBe(3);
        expect(maxAbsDiff(remote.logits, local)).toBeLessThan(1e-5);
      } finally {
        await pool.close();
        student.dispose();
        teacherModel.dispose();
      }
    });
  });

  it("reports a replica's error with its code, and rejects bad replica counts", async () => {
    await expectNoLeaks(async () => {
      const student = createEncoder({ ...shape, dModel: 8, ffnDim: 16, seed: 4, name: 'student' });
      await expect(
        ReplicaPool.start({ replicas: 1, backend: 'wasm', student, loss: config, needTeacherInternals: false }),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      const pool = await ReplicaPool.start({
        replicas: 2,
        backend: 'wasm',
        student,
        loss: config,
        needTeacherInternals: false,
        numClasses: 3,
      });
      try {
        const b = batchOf(2);
        const [, theirs] = pool.shards({ ...b, labels: b.labels!.map(() => 7) }); // label 7 of 3 classes
        const vars = student.trainableWeights.map((w) => w.read() as tf.Variable);
        await expect(
          pool.gradients([{ ...theirs, teacherLogits: new Float32Array(theirs.batchSize * 3), numClasses: 3 }], {
            variables: vars,
            step: 0,
            seed: 1,
          }),
        ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
        // The pool still works afterwards.
        const ok = await pool.gradients(
          [{ ...theirs, labels: theirs.labels!.map(() => 1), teacherLogits: new Float32Array(theirs.batchSize * 3), numClasses: 3 }],
          { variables: vars, step: 0, seed: 1 },
        );
        expect(ok[0].grads.length).toBe(vars.length);
        expect(Number.isFinite(ok[0].total)).toBe(true);
      } finally {
        await pool.close();
        student.dispose();
      }
    });
  });

  it('turns a worker that dies mid-step into REPLICA_FAILED (now and for later calls) and still closes', async () => {
    await expectNoLeaks(async () => {
      const student = createEncoder({ ...shape, dModel: 8, ffnDim: 16, seed: 4, name: 'student' });
      const pool = await ReplicaPool.start({
        replicas: 2,
        backend: 'wasm',
        student,
        loss: config,
        needTeacherInternals: false,
        numClasses: 3,
      });
      try {
        const vars = student.trainableWeights.map((w) => w.read() as tf.Variable);
        const [, theirs] = pool.shards(batchOf(3));
        const shard = { ...theirs, teacherLogits: new Float32Array(theirs.batchSize * 3), numClasses: 3 };
        const pending = pool.gradients([shard], { variables: vars, step: 0, seed: 1 });
        // What an out-of-memory abort looks like from here: the worker thread is gone.
        await (pool as unknown as { workers: { worker: { terminate(): Promise<number> } }[] }).workers[0].worker.terminate();
        await expect(pending).rejects.toMatchObject({ code: 'REPLICA_FAILED', message: expect.stringMatching(/replica 1 exited/) });
        await expect(pool.gradients([shard], { variables: vars, step: 1, seed: 1 })).rejects.toMatchObject({ code: 'REPLICA_FAILED' });
      } finally {
        await pool.close();
        student.dispose();
      }
    });
  });

  it('derives distinct, reproducible dropout seeds per replica and step', () => {
    expect(replicaSeed(42, 3, 1)).toBe(replicaSeed(42, 3, 1));
    const seeds = new Set([0, 1, 2].flatMap((step) => [1, 2, 3].map((rank) => replicaSeed(42, step, rank))));
    expect(seeds.size).toBe(9);
  });
});
