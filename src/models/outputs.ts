import * as tf from '@tensorflow/tfjs';
import { TfdistillError } from '../errors.js';
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
 * Runs a tfdistill encoder and splits its output list into {@link EncoderOutputs}. Works for models
 * built by {@link createEncoder} and for the same models loaded with `tf.loadLayersModel`.
 * `training: true` enables dropout (and records gradients when called inside `tf.grad`/`minimize`).
 *
 * @param inputIds int32 [batch, seq], 0 = padding
 * @example
 * ```ts
 * const out = encoderOutputs(student, ids, { training: true });
 * out.logits;     // [batch, classes]
 * out.hidden?.[0]; // [batch, seq, d]
 * ```
 */
export function encoderOutputs(model: tf.LayersModel, inputIds: tf.Tensor2D, options: { training: boolean }): EncoderOutputs {
  const layout = model.outputNames.map(parseOutputName);
  if (layout[0]?.kind !== 'logits' || layout.some((slot) => slot === undefined)) {
    throw new TfdistillError('INVALID_ARGUMENT', `model outputs [${model.outputNames.join(', ')}] are not a tfdistill encoder's`,
      'build the model with createEncoder, or wrap it with teacherFromLayersModel');
  }
  const ids = inputIds.dtype === 'int32' ? inputIds : tf.cast(inputIds, 'int32');
  const raw = model.apply(ids, { training: options.training }) as tf.Tensor | tf.Tensor[];
  if (ids !== inputIds) ids.dispose();
  const tensors = Array.isArray(raw) ? raw : [raw];
  const out: EncoderOutputs = { logits: tensors[0] };
  layout.forEach((slot, i) => {
    if (!slot || slot.kind === 'logits') return;
    if (slot.kind === 'hidden') (out.hidden ??= [])[slot.index] = tensors[i] as tf.Tensor3D;
    else (out.attention ??= [])[slot.index] = tensors[i] as tf.Tensor4D;
  });
  return out;
}
