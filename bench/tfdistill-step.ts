/**
 * The standard workload through tfdistill's real training path: createEncoder teacher and student from
 * encoderPresets, `toDeviceBatch` + `kdLossFn` + `trainStep` + AdamW exactly as `distill()` calls them
 * (global-norm clipping at distill's default of 1, weight decay 0.01). With `replicas` > 1 the steps and the teacher
 * forward run data-parallel through `ReplicaPool`, as `distill({ runtime: { replicas } })` does.
 */
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../src/data/types.js';
import { setDropoutSeed } from '../src/models/dropout.js';
import { createEncoder } from '../src/models/encoder.js';
import { encoderPresets } from '../src/models/options.js';
import { encoderOutputs } from '../src/models/outputs.js';
import { teacherFromEncoder } from '../src/models/teacher.js';
import { AdamW } from '../src/train/adamw.js';
import { DISTILL_DEFAULTS } from '../src/train/distill-config.js';
import { disposeDeviceBatch, kdLossFn, toDeviceBatch, type KdLossConfig } from '../src/train/kd-loss.js';
import { ReplicaPool } from '../src/train/parallel/replica-pool.js';
import { disposeStepResult, trainStep } from '../src/train/step.js';
import { randomBatch, sync, workload, type Contender, type Workload } from './workload.js';

/**
 * Builds the tfdistill contender (teacher and student seeded, dropout seeded, one fixed host batch).
 *
 * @example
 * ```ts
 * const c = await buildTfdistill({ replicas: 2 }); await c.kdStep(true); await c.dispose();
 * ```
 */
export async function buildTfdistill(options: { replicas?: number; workload?: Workload; teacher?: boolean } = {}): Promise<Contender> {
  const w: Workload = options.workload ?? workload;
  const shape = { vocabSize: w.vocab, maxLength: w.maxLength, numClasses: w.classes, dropout: w.dropout };
  // The presets are the standard workload's sizes; fail loudly if either drifts.
  for (const [k, v] of Object.entries(workload.teacher))
    if (encoderPresets.teacherBase[k as keyof typeof workload.teacher] !== v) throw new Error(`teacherBase.${k} != ${v}`);
  for (const [k, v] of Object.entries(workload.student))
    if (encoderPresets.studentSmall[k as keyof typeof workload.student] !== v) throw new Error(`studentSmall.${k} != ${v}`);
  // Without a teacher (the scaling bench measures the cached step only), cached logits are seeded random numbers.
  const teacherModel =
    options.teacher === false ? undefined : createEncoder({ ...encoderPresets.teacherBase, ...shape, seed: 1, name: 'teacher' });
  const student = createEncoder({ ...encoderPresets.studentSmall, ...shape, ...w.student, seed: 2, name: 'student' });
  const teacher = teacherModel ? teacherFromEncoder(teacherModel) : undefined;
  const variables = student.trainableWeights.map((v) => v.read() as tf.Variable);
  const optimizer = new AdamW({ learningRate: w.learningRate, weightDecay: 0.01 });
  const config: KdLossConfig = {
    task: 'classification',
    embedding: DISTILL_DEFAULTS.loss.embedding,
    temperature: w.temperature,
    alpha: w.alpha,
    labelSmoothing: 0,
    intermediate: [],
    projections: {},
    precision: 'float32',
  };
  setDropoutSeed(42);

  const { inputIds, labels } = randomBatch(w, 1);
  const batch: Batch = { inputIds, labels, batchSize: w.batch, seqLength: w.seq, indices: new Int32Array(w.batch).map((_, i) => i) };
  // The teacher cache stores host logits per example; compute them once, as cacheTeacherOutputs does.
  const cachedLogits = tf.tidy(() => {
    if (!teacher) return tf.randomNormal([w.batch, w.classes], 0, 2, 'float32', 3).dataSync() as Float32Array;
    const ids = tf.tensor2d(inputIds, [w.batch, w.seq], 'int32');
    return teacher.predict(ids).logits.dataSync() as Float32Array;
  });
  const cachedBatch: Batch = { ...batch, teacherLogits: cachedLogits, numClasses: w.classes };
  const ids32 = tf.tensor2d(inputIds, [w.batch, w.seq], 'int32');
  const ids1 = tf.tensor2d(inputIds.subarray(0, w.seq), [1, w.seq], 'int32');
  let step = 0;
  const replicas = options.replicas ?? 1;
  const pool =
    replicas > 1
      ? await ReplicaPool.start({
          replicas,
          backend: 'wasm',
          student,
          teacher: teacherModel,
          loss: config,
          needTeacherInternals: false,
          numClasses: w.classes,
        })
      : undefined;

  return {
    async kdStep(cached) {
      const [mine, ...theirs] = pool ? pool.shards(cached ? cachedBatch : batch) : [cached ? cachedBatch : batch];
      const peers = pool?.gradients(theirs, { variables, step, seed: 42 });
      const device = toDeviceBatch(mine, { teacher, needTeacherInternals: false });
      try {
        const result = await trainStep({
          variables,
          optimizer,
          clipGlobalNorm: 1,
          batchSize: mine.batchSize,
          peers,
          lossFn: kdLossFn({ student, batch: device, step, config }),
        });
        disposeStepResult(result);
      } finally {
        disposeDeviceBatch(device);
      }
      step++;
    },
    async teacherForward() {
      if (!teacher) throw new Error('this contender was built without a teacher');
      if (!pool) return tf.tidy(() => sync(teacher.predict(ids32).logits));
      // Data-parallel, through the call cacheTeacherOutputs makes: the workers take the other shards of the batch.
      await pool.shardedTeacherLogits(teacher, inputIds, w.batch, w.seq);
    },
    studentForward(b) {
      tf.tidy(() => sync(encoderOutputs(student, b === 1 ? ids1 : ids32, { training: false }).logits));
    },
    workerTensors() {
      return (pool?.workerTensorCounts() ?? []).reduce<number>((sum, n) => sum + (n ?? 0), 0);
    },
    async dispose() {
      await pool?.close();
      tf.dispose([ids32, ids1]);
      optimizer.dispose();
      teacherModel?.dispose();
      student.dispose();
    },
  };
}
