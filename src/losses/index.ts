/**
 * Distillation losses: pure functions of tensors, each inside `tf.tidy`, returning scalars the
 * caller owns.
 *
 * @example
 * ```ts
 * import { distillationLoss } from 'tfdistill/advanced';
 * const { total } = distillationLoss(studentOut.logits, teacherOut.logits, labels, { temperature: 4, alpha: 0.7 });
 * ```
 * @packageDocumentation
 */
export { softTargetKL, type SoftTargetOptions } from './soft-target.js';
export { hardCrossEntropy, requireLabelValues, type CrossEntropyOptions } from './cross-entropy.js';
export {
  distillationLoss,
  DEFAULT_ALPHA,
  DEFAULT_TEMPERATURE,
  type DistillationLossOptions,
  type DistillationLossResult,
} from './distillation-loss.js';
export { topK } from './top-k.js';
export { isTopK } from './validate.js';
export type { TeacherLogits, TopKLogits, TopKMode } from './types.js';
export { scheduleValue, validateSchedule, type ValueSchedule } from './schedule.js';
export { createProjection, type Projection, type ProjectionShape } from './projection.js';
export { hiddenMSE, cosineEmbedding, type HiddenLossOptions } from './hidden.js';
export { attentionKL, attentionMSE, type AttentionLossOptions } from './attention.js';
export type { IntermediateSpec } from './intermediate-spec.js';
export { intermediateLoss, type IntermediateLossOptions, type IntermediateTerm } from './intermediate.js';
export { checkIntermediateShapes, intermediateShapesOf, type IntermediateShapes } from './check-shapes.js';
export {
  distillLosses,
  getDistillLoss,
  intermediateLosses,
  type DistillLossFn,
  type DistillLossName,
  type DistillLossOptions,
  type IntermediateLossEntry,
  type IntermediateLossName,
  type IntermediateOutput,
} from './registry.js';
export { maskedMean } from './masked-mean.js';
export type { WarnFn } from './warn-once.js';
