import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../data/types.js';
import type { DistillConfig } from './distill-config.js';
import type { TrainingParts } from './distill-parts.js';
import { disposeDeviceBatch, kdLossFn, toDeviceBatch } from './kd-loss.js';
import { withShippedLogits } from './parallel/distill-replicas.js';
import type { ReplicaPool } from './parallel/replica-pool.js';
import type { ResolvedTeacher } from '../io/resolve-teacher.js';
import { trainStep } from './step.js';

/**
 * Trains on one batch, a micro-batch of an optimizer update when gradients accumulate: the replicas start on their
 * shards first, then this thread moves its shard to the device, runs a live teacher on it (inference mode, outside
 * the gradient tape), and `trainStep` takes the gradients of the loss over the student's (and projections')
 * variables, combines them with the replicas', and updates on the last micro-batch. The loss values go to
 * `parts.tracker`, which owns them; every device tensor of the batch is freed.
 *
 * @returns whether the optimizer updated the variables
 * @example
 * ```ts
 * const applied = await trainOnBatch({ batch, step: 12, config, parts, student, teacher, pool, numClasses: 2 });
 * ```
 */
export async function trainOnBatch(args: {
  batch: Batch;
  step: number;
  config: DistillConfig;
  parts: TrainingParts;
  student: tf.LayersModel;
  teacher?: ResolvedTeacher;
  pool?: ReplicaPool;
  numClasses: number;
}): Promise<boolean> {
  const { batch, step, parts, pool, teacher } = args;
  const { variables, optimizer, lossScale, accumulator, loss, tracker } = parts;
  // Data-parallel: the workers start on their shards before this thread runs its own.
  const [mine, ...theirs] = pool ? pool.shards(batch) : [batch];
  const peers = pool?.gradients(withShippedLogits(pool, theirs, teacher), {
    variables,
    step,
    seed: args.config.seed,
    lossScale: lossScale?.scale,
  });
  const clip = args.config.optimizer.clipGlobalNorm;
  let result: Awaited<ReturnType<typeof trainStep>>;
  let device: ReturnType<typeof toDeviceBatch> | undefined;
  let checks: Record<string, tf.Scalar> | undefined;
  try {
    device = toDeviceBatch(mine, {
      teacher: teacher?.teacher,
      needTeacherInternals: loss.intermediate.length > 0,
      numClasses: args.numClasses,
    });
    // A live teacher's logits are checked where they arise, so a NaN is reported as the teacher's, not the loss's.
    const logits = device.teacher?.logits;
    checks = logits ? { 'teacher logits': tf.tidy(() => tf.sum(tf.abs(logits))) as tf.Scalar } : undefined;
    result = await trainStep({
      variables,
      optimizer,
      lossFn: kdLossFn({ student: args.student, batch: device, step, config: loss }),
      clipGlobalNorm: clip === 0 ? undefined : clip,
      lossScale,
      accumulator,
      batchSize: mine.batchSize,
      peers,
    });
  } catch (err) {
    peers?.catch(() => {}); // this thread's error is the one to report
    tf.dispose(checks && Object.values(checks));
    throw err;
  } finally {
    if (device) disposeDeviceBatch(device);
  }
  tracker.push(step + 1, { total: result.total, ...result.terms }, checks);
  result.gradNorm?.dispose();
  return result.applied;
}
