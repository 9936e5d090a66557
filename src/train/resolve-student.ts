import * as tf from '@tensorflow/tfjs';
import { createEncoder } from '../models/encoder.js';
import {
  encoderPresets,
  resolveEncoderOptions,
  scaleEncoderOptions,
  type EncoderOptions,
  type EncoderOutputKind,
} from '../models/options.js';
import { initStudentFromTeacher, type InitReport } from '../models/init-from-teacher.js';
import { assertFloatWeights } from '../models/layers/weights.js';
import type { StudentSource } from './distill-options.js';

/**
 * Builds the student: a given `tf.LayersModel` is used as is; encoder options are completed from
 * `encoderPresets.studentSmall` (a `dModel` alone scales heads and FFN width, as `--student-dim` does), with the
 * vocabulary, pad id, sequence length and classes of the data (and a token-type embedding for sentence pairs), and
 * the run's seed. With `initFromTeacher`, embeddings and
 * blocks are initialised from the teacher (see `initStudentFromTeacher`).
 *
 * @example
 * ```ts
 * const { model, config } = resolveStudent({ dModel: 64 }, { vocabSize: 8000, maxLength: 128, numClasses: 2, seed: 1 });
 * ```
 */
export function resolveStudent(
  source: StudentSource | undefined,
  ctx: {
    vocabSize: number;
    maxLength: number;
    numClasses: number;
    seed: number;
    outputs: EncoderOutputKind[];
    /** The student tokenizer's pad id. Default 0. */
    padId?: number;
    /** The data are sentence pairs: the student gets a token-type embedding (2 types). */
    pairs?: boolean;
    teacherModel?: tf.LayersModel;
  },
): { model: tf.LayersModel; config?: EncoderOptions; owned: boolean; init?: InitReport } {
  if (source instanceof tf.LayersModel) {
    assertFloatWeights(source, 'train');
    return { model: source, owned: false };
  }
  const { initFromTeacher, ...rest } = source ?? {};
  // Keys present but undefined (e.g. unset CLI flags) must not override the preset.
  const given = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) as Partial<EncoderOptions>;
  const base =
    given.dModel !== undefined && given.dModel !== encoderPresets.studentSmall.dModel
      ? scaleEncoderOptions(encoderPresets.studentSmall, {
          dModel: given.dModel,
          numLayers: given.numLayers,
          numHeads: given.numHeads,
          ffnDim: given.ffnDim,
        })
      : encoderPresets.studentSmall;
  const config: EncoderOptions = resolveEncoderOptions({
    ...base,
    vocabSize: ctx.vocabSize,
    maxLength: ctx.maxLength,
    numClasses: ctx.numClasses,
    seed: ctx.seed,
    padId: ctx.padId ?? 0,
    ...(ctx.pairs ? { typeVocabSize: 2 } : {}),
    ...given,
    outputs: given.outputs ?? ctx.outputs,
  });
  const model = createEncoder(config);
  const init = initFromTeacher && ctx.teacherModel ? initStudentFromTeacher(model, ctx.teacherModel) : undefined;
  return { model, config, owned: true, init };
}
