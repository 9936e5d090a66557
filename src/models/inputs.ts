import type * as tf from '@tensorflow/tfjs';
import { TfdistillError } from '../errors.js';

/**
 * What a tfdistill encoder takes as input, read from the model itself (so it works for models loaded with
 * `tf.loadLayersModel` as well as for models from createEncoder).
 */

/**
 * Whether the encoder has the second input `token_type_ids` (it was built with `typeVocabSize` > 0). Only such
 * models may be given token type ids (see `encoderOutputs`).
 *
 * @example
 * ```ts
 * const typeIds = takesTokenTypes(student) ? batchTypeIds : undefined;
 * encoderOutputs(student, ids, { training: true, typeIds });
 * ```
 */
export function takesTokenTypes(model: tf.LayersModel): boolean {
  if (model.inputs.length > 2) {
    throw new TfdistillError(
      'INVALID_ARGUMENT',
      `model has ${model.inputs.length} inputs [${model.inputNames.join(', ')}]; ` +
        'a tfdistill encoder takes input_ids and optionally token_type_ids',
    );
  }
  return model.inputs.length === 2;
}

/**
 * The token id the encoder treats as padding: the `padId` its blocks and pooler were built with, 0 for models saved
 * before the option existed. Batches fed to the model must be padded with this id.
 *
 * @example
 * ```ts
 * if (batch.padId !== encoderPadId(student)) throw new Error('tokenizer and student disagree on padding');
 * ```
 */
export function encoderPadId(model: tf.LayersModel): number {
  const ids = new Set<number>();
  for (const layer of model.layers) {
    const { padId } = layer.getConfig();
    if (typeof padId === 'number') ids.add(padId);
  }
  if (ids.size > 1) {
    throw new TfdistillError('INVALID_ARGUMENT', `model '${model.name}' has layers with different padId values (${[...ids].join(', ')})`);
  }
  return ids.size === 1 ? [...ids][0] : 0;
}
