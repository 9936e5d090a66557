import * as tf from '@tensorflow/tfjs';
import { require_ } from '../errors.js';
import { hardCrossEntropy, requireLabelSmoothing } from './cross-entropy.js';
import { scheduleValue, validateSchedule, type ValueSchedule } from './schedule.js';
import { softTargetKL } from './soft-target.js';
import type { TeacherLogits, TopKMode } from './types.js';
import { warnOnce, type WarnFn } from './warn-once.js';

/**
 * Default softmax temperature of the soft-target loss.
 *
 * @example
 * ```ts
 * distillationLoss(s, t, y, { temperature: DEFAULT_TEMPERATURE * 2 });
 * ```
 */
export const DEFAULT_TEMPERATURE = 4;

/**
 * Default weight of the soft-target loss against the hard-label loss.
 *
 * @example
 * ```ts
 * distillationLoss(s, t, y, { alpha: DEFAULT_ALPHA });
 * ```
 */
export const DEFAULT_ALPHA = 0.7;

/**
 * Options of {@link distillationLoss}.
 */
export interface DistillationLossOptions {
  /** T > 0, fixed or scheduled over `step`. Default 4. */
  temperature?: ValueSchedule;
  /** Weight of the soft loss in [0, 1], fixed or scheduled over `step`. Default 0.7. */
  alpha?: ValueSchedule;
  /** Optimizer step at which schedules are read. Default 0. */
  step?: number;
  /** PyTorch-style label smoothing of the hard loss, in [0, 1). Default 0. */
  labelSmoothing?: number;
  /** [batch, seq] for token tasks (or [batch]); 1 = position counted by both terms. */
  mask?: tf.Tensor;
  /** Read the labels back to range-check them (one host sync); see {@link CrossEntropyOptions.checkLabels}. Default true. */
  checkLabels?: boolean;
  /** See {@link TopKMode}. Default 'renormalize'. */
  topKMode?: TopKMode;
  /** Receives the once-per-process "no labels" warning. Default `console.warn`. */
  warn?: WarnFn;
}

/**
 * The three terms of {@link distillationLoss}; every tensor is owned by the caller. A type alias
 * (not an interface) so `tf.dispose(result)` accepts it.
 *
 * @example
 * ```ts
 * const { total, soft, hard }: DistillationLossResult = distillationLoss(s, t, y);
 * tf.dispose([soft, hard]);
 * ```
 */
export type DistillationLossResult = {
  /** alpha * soft + (1 - alpha) * hard. */
  total: tf.Scalar;
  /** T^2 * KL(teacher || student) at temperature T, see {@link softTargetKL}. */
  soft: tf.Scalar;
  /** Cross-entropy with the labels, see {@link hardCrossEntropy}; 0 without labels. */
  hard: tf.Scalar;
};

/**
 * The classic knowledge-distillation objective (Hinton, Vinyals & Dean 2015):
 *
 *   total = alpha * T^2 * KL(softmax(t / T) || softmax(s / T)) + (1 - alpha) * CE(s, labels)
 *
 * Both terms are means over examples (or non-masked tokens). Without `labels` the loss is pure
 * soft-target distillation: alpha is forced to 1, `hard` is a zero scalar, and a warning is
 * printed once per process if alpha was anything else.
 *
 * @param studentLogits float32 [batch, classes] or [batch, seq, classes]
 * @param teacherLogits the same shape, or top-k {@link TeacherLogits}
 * @param labels int32 [batch] or [batch, seq], or undefined for unlabeled data
 * @example
 * ```ts
 * const { total, soft, hard } = distillationLoss(student, teacher, labels, { temperature: 4, alpha: 0.7 });
 * ```
 */
export function distillationLoss(
  studentLogits: tf.Tensor,
  teacherLogits: TeacherLogits,
  labels: tf.Tensor | undefined,
  options: DistillationLossOptions = {},
): DistillationLossResult {
  const { step = 0, labelSmoothing = 0, mask, topKMode, warn, checkLabels } = options;
  const temperature = resolve(options.temperature ?? DEFAULT_TEMPERATURE, step, 'temperature');
  let alpha = resolve(options.alpha ?? DEFAULT_ALPHA, step, 'alpha');
  require_(alpha >= 0 && alpha <= 1, `alpha must be in [0, 1], got ${alpha}`, 'alpha weights the soft loss');
  requireLabelSmoothing(labelSmoothing);
  if (labels === undefined && alpha !== 1) {
    warnOnce('distillationLoss:no-labels', `no labels given: using pure soft-target distillation (alpha ${alpha} -> 1)`, warn);
  }
  if (labels === undefined) alpha = 1;
  return tf.tidy(() => {
    const soft = softTargetKL(studentLogits, teacherLogits, { temperature, mask, topKMode });
    const hard = labels === undefined ? tf.scalar(0) : hardCrossEntropy(studentLogits, labels, { labelSmoothing, mask, checkLabels });
    // alpha = 1 or 0 must not multiply a 0 weight into an Inf/NaN term; skip the unused one.
    const total = alpha === 1 ? soft.clone() : alpha === 0 ? hard.clone() : soft.mul(alpha).add(hard.mul(1 - alpha));
    return { total: total as tf.Scalar, soft, hard };
  });
}

function resolve(schedule: ValueSchedule, step: number, what: string): number {
  validateSchedule(schedule, what);
  return scheduleValue(schedule, step);
}
