import * as tf from '@tensorflow/tfjs';
import { TfdistillError } from '../errors.js';
import { takesTokenTypes } from './inputs.js';
import type { EncoderOutputs } from './types.js';

/**
 * Output layer names encode the output layout (`logits`, `hidden_<i>`, `attention_<i>`), so a model
 * loaded from disk can be split without any side metadata.
 *
 * @example
 * ```ts
 * outputName('hidden', 2); // 'hidden_2'
 * ```
 */
export function outputName(kind: 'logits' | 'hidden' | 'attention', index: number): string {
  return kind === 'logits' ? 'logits' : `${kind}_${index}`;
}

/** Which slot of EncoderOutputs an output name belongs to; undefined for names we did not create. */
function parseOutputName(name: string): { kind: 'logits' | 'hidden' | 'attention'; index: number } | undefined {
  if (name === 'logits') return { kind: 'logits', index: 0 };
  const m = /^(hidden|attention)_(\d+)$/.exec(name);
  return m ? { kind: m[1] as 'hidden' | 'attention', index: Number(m[2]) } : undefined;
}

/**
 * Options of {@link encoderOutputs}.
 */
export interface EncoderRunOptions {
  /** Enables dropout (and records gradients when called inside `tf.grad` / `minimize`). */
  training: boolean;
  /**
   * Token type ids int32 [batch, seq] (0 = first text, 1 = second) for a model with a `token_type_ids` input
   * ({@link takesTokenTypes}); absent: zeros, as Hugging Face does. Giving them to a model without that input throws.
   */
  typeIds?: tf.Tensor2D;
}

/**
 * Runs a tfdistill encoder and splits its output list into {@link EncoderOutputs}. Works for models
 * built by `createEncoder` and for the same models loaded with `tf.loadLayersModel`.
 *
 * Token types: a model built with `typeVocabSize` > 0 is fed `typeIds`, or zeros of the ids' shape when they are not
 * given (one-text inputs, as Hugging Face does). A model without a type table throws `INVALID_ARGUMENT` when given
 * `typeIds` rather than dropping them: it would compute as if both texts of a pair were one, and a student built
 * without `typeVocabSize` by mistake would train that way without a word. Check {@link takesTokenTypes} to feed
 * such a model on purpose. `typeIds` of another shape than the ids throw `SHAPE_MISMATCH`. The caller keeps
 * ownership of `inputIds` and `typeIds`.
 *
 * @param inputIds int32 [batch, seq], padded with the model's padId (see {@link encoderPadId})
 * @example
 * ```ts
 * const out = encoderOutputs(student, ids, { training: true });
 * out.logits;     // [batch, classes]
 * out.hidden?.[0]; // [batch, seq, d]
 * encoderOutputs(pairStudent, ids, { training: false, typeIds }).logits; // typeVocabSize 2
 * ```
 */
export function encoderOutputs(model: tf.LayersModel, inputIds: tf.Tensor2D, options: EncoderRunOptions): EncoderOutputs {
  const layout = model.outputNames.map(parseOutputName);
  if (layout[0]?.kind !== 'logits' || layout.some((slot) => slot === undefined)) {
    throw new TfdistillError(
      'INVALID_ARGUMENT',
      `model outputs [${model.outputNames.join(', ')}] are not a tfdistill encoder's`,
      'build the model with createEncoder, or wrap it with teacherFromLayersModel',
    );
  }
  const pair = takesTokenTypes(model);
  const { typeIds } = options;
  if (typeIds && !pair) {
    throw new TfdistillError(
      'INVALID_ARGUMENT',
      `model '${model.name}' has no token type input, but token type ids were given`,
      'build the model with typeVocabSize (2 for sentence pairs), or pass typeIds only when takesTokenTypes(model)',
    );
  }
  if (typeIds && typeIds.shape.join(',') !== inputIds.shape.join(',')) {
    throw new TfdistillError(
      'SHAPE_MISMATCH',
      `token type ids [${typeIds.shape.join(', ')}] must have the shape of the input ids [${inputIds.shape.join(', ')}]`,
    );
  }
  const asInt = (t: tf.Tensor2D) => (t.dtype === 'int32' ? t : (tf.cast(t, 'int32') as tf.Tensor2D));
  const feeds = [asInt(inputIds)];
  if (pair) feeds.push(typeIds ? asInt(typeIds) : tf.zeros(inputIds.shape, 'int32')); // [batch, seq]
  const raw = model.apply(pair ? feeds : feeds[0], { training: options.training }) as tf.Tensor | tf.Tensor[];
  tf.dispose(feeds.filter((t) => t !== inputIds && t !== typeIds));
  const tensors = Array.isArray(raw) ? raw : [raw];
  const out: EncoderOutputs = { logits: tensors[0] };
  layout.forEach((slot, i) => {
    if (!slot || slot.kind === 'logits') return;
    if (slot.kind === 'hidden') {
      out.hidden ??= [];
      out.hidden[slot.index] = tensors[i] as tf.Tensor3D;
    } else {
      out.attention ??= [];
      out.attention[slot.index] = tensors[i] as tf.Tensor4D;
    }
  });
  return out;
}
