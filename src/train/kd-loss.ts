import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../data/types.js';
import { distillationLoss, hardCrossEntropy, intermediateLoss, requireLabelValues, type IntermediateSpec, type Projection, type ValueSchedule } from '../losses/index.js';
import { encoderOutputs } from '../models/outputs.js';
import { setComputePrecision, type ComputePrecision } from '../models/precision.js';
import type { EncoderOutputs, Teacher } from '../models/types.js';
import type { LossOutput } from './step.js';

/** A batch on the device. `teacher` is the frozen teacher's output for it (computed outside the gradient tape). */
export interface DeviceBatch {
  ids: tf.Tensor2D; // [batch, seq] int32, 0 = padding
  labels?: tf.Tensor1D; // [batch] int32
  /** Logits [batch, classes] (+ hidden/attention when intermediate losses are on); absent in hard-label training. */
  teacher?: EncoderOutputs;
}

/**
 * Moves a host batch to the device and runs the frozen teacher on it in inference mode, or takes its logits from the
 * batch (cached / precomputed). Free it with {@link disposeDeviceBatch}.
 *
 * @example
 * ```ts
 * const db = toDeviceBatch(batch, { teacher, needTeacherInternals: false });
 * ```
 */
export function toDeviceBatch(batch: Batch, opts: { teacher?: Teacher; needTeacherInternals: boolean; numClasses?: number }): DeviceBatch {
  // Labels are checked here, on the host, so the losses need no device read of them (no per-step sync).
  if (batch.labels && opts.numClasses !== undefined) requireLabelValues(batch.labels, opts.numClasses);
  const ids = tf.tensor2d(batch.inputIds, [batch.batchSize, batch.seqLength], 'int32');
  const labels = batch.labels ? tf.tensor1d(batch.labels, 'int32') : undefined;
  let teacher: EncoderOutputs | undefined;
  if (batch.teacherLogits && !opts.needTeacherInternals) {
    teacher = { logits: tf.tensor2d(batch.teacherLogits, [batch.batchSize, batch.teacherLogits.length / batch.batchSize]) };
  } else if (opts.teacher) {
    // Inference mode, outside the student's gradient tape: the teacher is never updated and records nothing.
    const t = opts.teacher;
    teacher = tf.tidy(() => {
      const o = t.predict(ids);
      return { logits: o.logits, ...(o.hidden ? { hidden: o.hidden } : {}), ...(o.attention ? { attention: o.attention } : {}) } as unknown as tf.TensorContainer;
    }) as unknown as EncoderOutputs;
  }
  return { ids, labels, teacher };
}

/** Frees a {@link DeviceBatch}. */
export function disposeDeviceBatch(db: DeviceBatch): void {
  const t = db.teacher;
  tf.dispose([db.ids, db.labels, t?.logits, ...(t?.hidden ?? []), ...(t?.attention ?? [])]);
}

/** Loss settings resolved for a run. */
export interface KdLossConfig {
  temperature: ValueSchedule;
  alpha: ValueSchedule;
  labelSmoothing: number;
  intermediate: readonly IntermediateSpec[];
  projections: Readonly<Record<number, Projection>>;
  precision: ComputePrecision;
}

/**
 * The loss of one training step, for `trainStep`: student forward in training mode (dropout on, emulated half
 * precision when asked), then alpha * T^2 * KL(teacher || student) + (1 - alpha) * CE(labels) plus any weighted
 * intermediate-layer terms.
 *
 * @example
 * ```ts
 * const lossFn = kdLossFn({ student, batch: db, step, config });
 * await trainStep({ variables, lossFn, optimizer });
 * ```
 */
export function kdLossFn(args: { student: tf.LayersModel; batch: DeviceBatch; step: number; config: KdLossConfig }): () => LossOutput {
  const { student, batch, step, config } = args;
  return () => {
    setComputePrecision(config.precision);
    let s: EncoderOutputs;
    try {
      s = encoderOutputs(student, batch.ids, { training: true }); // logits [batch, classes]
    } finally {
      setComputePrecision('float32');
    }
    if (!batch.teacher) {
      // Hard-label training (no teacher, alpha 0): plain cross-entropy, e.g. to train a teacher or a baseline.
      if (!batch.labels) throw new Error('hard-label training needs labels');
      return { total: hardCrossEntropy(s.logits, batch.labels, { labelSmoothing: config.labelSmoothing, checkLabels: false }), terms: {} };
    }
    const { total, soft, hard } = distillationLoss(s.logits, batch.teacher.logits, batch.labels, {
      temperature: config.temperature, alpha: config.alpha, labelSmoothing: config.labelSmoothing, step,
      checkLabels: false, // checked on the host by toDeviceBatch
    });
    const terms: Record<string, tf.Scalar> = { soft, hard };
    if (config.intermediate.length === 0) return { total, terms };
    const mask = tf.cast(tf.notEqual(batch.ids, 0), 'float32'); // [batch, seq]
    const inter = intermediateLoss(s, batch.teacher, config.intermediate, { mask, projections: config.projections });
    for (const t of inter.terms) terms[`${t.loss}_${t.studentBlock}_${t.teacherBlock}`] = t.value;
    return { total: tf.add(total, inter.total), terms };
  };
}
