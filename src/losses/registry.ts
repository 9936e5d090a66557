import type * as tf from '@tensorflow/tfjs';
import { TfdistillError } from '../errors.js';
import type { EncoderOutputKind } from '../models/options.js';
import { attentionKL, attentionMSE, attentionShapeProblem } from './attention.js';
import { DEFAULT_TEMPERATURE } from './distillation-loss.js';
import { cosineEmbedding, hiddenMSE, hiddenShapeProblem } from './hidden.js';
import type { IntermediateSpec } from './intermediate-spec.js';
import type { Projection, ProjectionShape } from './projection.js';
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
  /** Intermediate losses that learn a projection (`learnsProjection`), when the widths differ. */
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
 * The encoder output an intermediate-layer loss compares: hidden states [batch, seq, d] or attention maps
 * [batch, heads, seq, seq].
 *
 * @example
 * ```ts
 * const kind: IntermediateOutput = intermediateLosses.cosine.reads; // 'hidden'
 * ```
 */
export type IntermediateOutput = Exclude<EncoderOutputKind, 'logits'>;

/**
 * Everything the library needs to know about one intermediate-layer loss: which encoder output both models must
 * return for it, whether distill learns a student -> teacher projection for it, its shape check and the loss.
 *
 * @example
 * ```ts
 * const entry: IntermediateLossEntry = { reads: 'attention', learnsProjection: false,
 *   shapeProblem: attentionShapeProblem, compute: (s, t, o = {}) => attentionMSE(s, t, { mask: o.mask }) };
 * ```
 */
export interface IntermediateLossEntry {
  /** The encoder output the loss reads (the encoders are then built to return it). */
  reads: IntermediateOutput;
  /** When the student's width differs from the teacher's, distill trains a projection per student block (TinyBERT's W_h). */
  learnsProjection: boolean;
  /** Why a student/teacher pair of these shapes cannot be compared (undefined: it can); checked before training. */
  shapeProblem: (student: number[], teacher: number[], projection?: ProjectionShape) => string | undefined;
  compute: DistillLossFn;
}

/**
 * The intermediate-layer losses, the one list of their names: adding a loss is a file in src/losses/ and an entry
 * here. Shape checks, projections and the encoder outputs a run needs are all read from these entries.
 *
 * @example
 * ```ts
 * const { reads, compute } = intermediateLosses[spec.loss];
 * const value = compute(student[reads]![s], teacher[reads]![t], { mask });
 * ```
 */
export const intermediateLosses = {
  hiddenMse: {
    reads: 'hidden',
    learnsProjection: true,
    shapeProblem: hiddenShapeProblem,
    compute: (student, teacher, options = {}) => hiddenMSE(student, teacher, { mask: options.mask, projection: options.projection }),
  },
  cosine: {
    reads: 'hidden',
    learnsProjection: true,
    shapeProblem: hiddenShapeProblem,
    compute: (student, teacher, options = {}) => cosineEmbedding(student, teacher, { mask: options.mask, projection: options.projection }),
  },
  attentionKl: {
    reads: 'attention',
    learnsProjection: false,
    shapeProblem: attentionShapeProblem,
    compute: (student, teacher, options = {}) => attentionKL(student, teacher, { mask: options.mask }),
  },
  attentionMse: {
    reads: 'attention',
    learnsProjection: false,
    shapeProblem: attentionShapeProblem,
    compute: (student, teacher, options = {}) => attentionMSE(student, teacher, { mask: options.mask }),
  },
} satisfies Record<string, IntermediateLossEntry>;

/**
 * A registered intermediate-layer loss name: `'hiddenMse' | 'cosine' | 'attentionKl' | 'attentionMse'`.
 */
export type IntermediateLossName = keyof typeof intermediateLosses;

/**
 * Every distillation loss by name (cf. TextBrewer's `KD_LOSS_MAP`, tfjs' `lossesMap`), typed so
 * that a misspelt name fails to compile: `kd` and each of {@link intermediateLosses}. `kd` also accepts a
 * top-k teacher when called directly.
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
  ...(Object.fromEntries(Object.entries(intermediateLosses).map(([name, entry]) => [name, entry.compute])) as Record<
    IntermediateLossName,
    DistillLossFn
  >),
} satisfies Record<string, DistillLossFn>;

/**
 * A registered loss name: `'kd'` or an {@link IntermediateLossName}.
 */
export type DistillLossName = keyof typeof distillLosses;

/**
 * The encoder outputs besides logits that `specs` read, in the encoder's order (hidden before attention).
 *
 * @example
 * ```ts
 * outputsRead([{ loss: 'attentionKl', weight: 1, layerMap: [[0, 1]] }]); // ['attention']
 * ```
 */
export function outputsRead(specs: readonly IntermediateSpec[]): IntermediateOutput[] {
  const read = new Set(specs.map((spec) => intermediateLosses[spec.loss].reads));
  return (['hidden', 'attention'] as const).filter((kind) => read.has(kind));
}

/**
 * The student blocks whose loss learns a projection when the widths differ, each once, in order of appearance.
 *
 * @example
 * ```ts
 * projectedBlocks([{ loss: 'hiddenMse', weight: 1, layerMap: [[0, 2], [1, 5]] }]); // [0, 1]
 * ```
 */
export function projectedBlocks(specs: readonly IntermediateSpec[]): number[] {
  const blocks = specs
    .filter((spec) => intermediateLosses[spec.loss].learnsProjection)
    .flatMap((spec) => spec.layerMap.map(([studentBlock]) => studentBlock));
  return [...new Set(blocks)];
}

/**
 * Looks a loss up by a name from config or the CLI; throws INVALID_ARGUMENT listing valid names.
 *
 * @example
 * ```ts
 * const fn = getDistillLoss(config.loss); // 'hiddenMse'
 * ```
 */
export function getDistillLoss(name: string): DistillLossFn {
  if (!Object.hasOwn(distillLosses, name)) {
    throw new TfdistillError(
      'INVALID_ARGUMENT',
      `unknown distillation loss '${name}'`,
      `valid names: ${Object.keys(distillLosses).join(', ')}`,
    );
  }
  return distillLosses[name as DistillLossName];
}
