import type * as tf from '@tensorflow/tfjs';
import { TfdistillError } from '../errors.js';
import { attentionKL, attentionMSE } from './attention.js';
import { DEFAULT_TEMPERATURE } from './distillation-loss.js';
import { cosineEmbedding, hiddenMSE } from './hidden.js';
import type { Projection } from './projection.js';
import { softTargetKL } from './soft-target.js';
import type { TeacherLogits, TopKMode } from './types.js';

/**
 * The options every registered loss understands (each uses the ones that apply to it).
 *
 * @example
 * ```ts
 * getDistillLoss(name)(student, teacher, { mask, projection } satisfies DistillLossOptions);
 * ```
 */
export interface DistillLossOptions {
  /** [batch, seq] or [batch], 1 = counted. */
  mask?: tf.Tensor;
  /** `kd` only; default 4. */
  temperature?: number;
  /** `kd` only; see {@link TopKMode}. */
  topKMode?: TopKMode;
  /** `hiddenMse` / `cosine` only, when the widths differ. */
  projection?: Projection;
}

/**
 * The common signature of registered losses: student tensor, teacher tensor, options -> scalar
 * owned by the caller.
 *
 * @example
 * ```ts
 * const fn: DistillLossFn = distillLosses.hiddenMse;
 * ```
 */
export type DistillLossFn = (student: tf.Tensor, teacher: tf.Tensor, options?: DistillLossOptions) => tf.Scalar;

/**
 * Every distillation loss by name (cf. TextBrewer's `KD_LOSS_MAP`, tfjs' `lossesMap`), typed so
 * that a misspelt name fails to compile. `kd` also accepts a top-k teacher when called directly.
 *
 * @example
 * ```ts
 * const loss = distillLosses.attentionKl(studentAtt, teacherAtt, { mask });
 * ```
 */
export const distillLosses = {
  kd: (student: tf.Tensor, teacher: TeacherLogits, options: DistillLossOptions = {}) =>
    softTargetKL(student, teacher, {
      temperature: options.temperature ?? DEFAULT_TEMPERATURE,
      mask: options.mask,
      topKMode: options.topKMode,
    }),
  hiddenMse: (student: tf.Tensor, teacher: tf.Tensor, options: DistillLossOptions = {}) =>
    hiddenMSE(student, teacher, { mask: options.mask, projection: options.projection }),
  cosine: (student: tf.Tensor, teacher: tf.Tensor, options: DistillLossOptions = {}) =>
    cosineEmbedding(student, teacher, { mask: options.mask, projection: options.projection }),
  attentionKl: (student: tf.Tensor, teacher: tf.Tensor, options: DistillLossOptions = {}) =>
    attentionKL(student, teacher, { mask: options.mask }),
  attentionMse: (student: tf.Tensor, teacher: tf.Tensor, options: DistillLossOptions = {}) =>
    attentionMSE(student, teacher, { mask: options.mask }),
} satisfies Record<string, DistillLossFn>;

/**
 * A registered loss name: `'kd' | 'hiddenMse' | 'cosine' | 'attentionKl' | 'attentionMse'`.
 *
 * @example
 * ```ts
 * const name: DistillLossName = 'cosine';
 * ```
 */
export type DistillLossName = keyof typeof distillLosses;

/**
 * Looks a loss up by a name from config or the CLI; throws INVALID_ARGUMENT listing valid names.
 *
 * @example
 * ```ts
 * const fn = getDistillLoss(config.loss); // 'hiddenMse'
 * ```
 */
export function getDistillLoss(name: string): DistillLossFn {
  if (!Object.prototype.hasOwnProperty.call(distillLosses, name)) {
    throw new TfdistillError(
      'INVALID_ARGUMENT',
      `unknown distillation loss '${name}'`,
      `valid names: ${Object.keys(distillLosses).join(', ')}`,
    );
  }
  return distillLosses[name as DistillLossName];
}
