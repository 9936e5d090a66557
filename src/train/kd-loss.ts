import * as tf from '@tensorflow/tfjs';
import { attentionMaskOf, teacherFeed } from '../data/batching/batch.js';
import type { Batch } from '../data/types.js';
import { distillationLoss } from '../losses/distillation-loss.js';
import { embeddingLoss, type EmbeddingLossOptions } from '../losses/embedding.js';
import { hardCrossEntropy, requireLabelValues } from '../losses/cross-entropy.js';
import { intermediateLoss } from '../losses/intermediate.js';
import type { IntermediateSpec } from '../losses/intermediate-spec.js';
import type { Projection } from '../losses/projection.js';
import type { ValueSchedule } from '../losses/schedule.js';
import { encoderOutputs } from '../models/outputs.js';
import { setComputePrecision, type ComputePrecision } from '../models/precision.js';
import { teacherInputTensors } from '../models/teacher-logits.js';
import type { EncoderOutputs, Teacher } from '../models/types.js';
import type { DistillTask } from './distill-options.js';
import type { LossOutput } from './step.js';

/** A batch on the device. `teacher` is the frozen teacher's output for it (computed outside the gradient tape). */
export interface DeviceBatch {
  ids: tf.Tensor2D; // [batch, seq] int32, padded with the student tokenizer's pad id
  /** [batch, seq] float32, 1 for real tokens (from the row lengths); only with intermediate-layer losses. */
  mask?: tf.Tensor2D;
  /** [batch, seq] int32 token type ids, for sentence pairs. */
  typeIds?: tf.Tensor2D;
  labels?: tf.Tensor1D; // [batch] int32
  /** Logits [batch, classes] (+ hidden/attention when intermediate losses are on); absent in hard-label training. */
  teacher?: EncoderOutputs;
}

/**
 * Moves a host batch to the device and runs the frozen teacher on it in inference mode, or takes its logits from the
 * batch (cached, precomputed, or computed ahead by an asynchronous teacher). Free it with {@link disposeDeviceBatch}.
 *
 * @example
 * ```ts
 * const db = toDeviceBatch(batch, { teacher, needTeacherInternals: false });
 * ```
 */
export function toDeviceBatch(batch: Batch, opts: { teacher?: Teacher; needTeacherInternals: boolean; numClasses?: number }): DeviceBatch {
  // Labels are checked here, on the host, so the losses need no device read of them (no per-step sync).
  if (batch.labels && opts.numClasses !== undefined) requireLabelValues(batch.labels, opts.numClasses);
  const shape: [number, number] = [batch.batchSize, batch.seqLength];
  const ids = tf.tensor2d(batch.inputIds, shape, 'int32');
  // The mask only serves the intermediate-layer losses; the encoders derive theirs from the ids.
  const mask = opts.needTeacherInternals ? tf.tensor2d(Float32Array.from(attentionMaskOf(batch)), shape, 'float32') : undefined;
  const typeIds = batch.typeIds ? tf.tensor2d(batch.typeIds, shape, 'int32') : undefined;
  const labels = batch.labels ? tf.tensor1d(batch.labels, 'int32') : undefined;
  let teacher: EncoderOutputs | undefined;
  if (batch.teacherLogits && !opts.needTeacherInternals) {
    teacher = { logits: tf.tensor2d(batch.teacherLogits, [batch.batchSize, batch.teacherLogits.length / batch.batchSize]) };
  } else if (opts.teacher) {
    if (opts.teacher.async) throw new Error("an asynchronous teacher's logits are computed ahead of the step");
    // Inference mode, outside the student's gradient tape: the teacher is never updated and records nothing.
    const t = opts.teacher;
    const feed = teacherFeed(batch);
    teacher = tf.tidy(() => {
      const o = t.predict(...teacherInputTensors(feed.inputIds, batch.batchSize, feed.seqLength, feed)) as EncoderOutputs;
      return {
        logits: o.logits,
        ...(o.hidden ? { hidden: o.hidden } : {}),
        ...(o.attention ? { attention: o.attention } : {}),
      } as unknown as tf.TensorContainer;
    }) as unknown as EncoderOutputs;
  }
  return { ids, mask, typeIds, labels, teacher };
}

/** Frees a {@link DeviceBatch}. */
export function disposeDeviceBatch(db: DeviceBatch): void {
  const t = db.teacher;
  tf.dispose([db.ids, db.mask, db.typeIds, db.labels, t?.logits, ...(t?.hidden ?? []), ...(t?.attention ?? [])]);
}

/** Loss settings resolved for a run. */
export interface KdLossConfig {
  /** 'embedding': the student's output vectors against the teacher's by `embedding`'s loss (no soft targets, no labels). */
  task: DistillTask;
  embedding: Readonly<Required<EmbeddingLossOptions>>;
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
      s = encoderOutputs(student, batch.ids, { training: true, typeIds: batch.typeIds }); // logits [batch, classes]
    } finally {
      setComputePrecision('float32');
    }
    if (config.task === 'embedding') {
      if (!batch.teacher) throw new Error("task 'embedding' needs the teacher's vectors in every batch");
      const { total, main, contrastive } = embeddingLoss(s.logits as tf.Tensor2D, batch.teacher.logits as tf.Tensor2D, config.embedding);
      const terms: Record<string, tf.Scalar> = { [config.embedding.kind]: main };
      if (contrastive) terms.contrastive = contrastive;
      return { total, terms };
    }
    if (!batch.teacher) {
      // Hard-label training (no teacher, alpha 0): plain cross-entropy, e.g. to train a teacher or a baseline.
      if (!batch.labels) throw new Error('hard-label training needs labels');
      return { total: hardCrossEntropy(s.logits, batch.labels, { labelSmoothing: config.labelSmoothing, checkLabels: false }), terms: {} };
    }
    const { total, soft, hard } = distillationLoss(s.logits, batch.teacher.logits, batch.labels, {
      temperature: config.temperature,
      alpha: config.alpha,
      labelSmoothing: config.labelSmoothing,
      step,
      checkLabels: false, // checked on the host by toDeviceBatch
    });
    const terms: Record<string, tf.Scalar> = { soft, hard };
    if (config.intermediate.length === 0) return { total, terms };
    if (!batch.mask) throw new Error('intermediate-layer losses need the batch mask: toDeviceBatch with needTeacherInternals');
    const inter = intermediateLoss(s, batch.teacher, config.intermediate, { mask: batch.mask, projections: config.projections });
    for (const t of inter.terms) terms[`${t.loss}_${t.studentBlock}_${t.teacherBlock}`] = t.value;
    return { total: tf.add(total, inter.total), terms };
  };
}
