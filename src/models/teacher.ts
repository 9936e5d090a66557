import * as tf from '@tensorflow/tfjs';
import { TfdistillError } from '../errors.js';
import { takesTokenTypes } from './inputs.js';
import { encoderOutputs } from './outputs.js';
import type { EncoderOutputs, SyncTeacher } from './types.js';

/** 1 for real tokens, 0 for padding, in the dtype a model input expects. */
function maskFor(ids: tf.Tensor2D, given: tf.Tensor2D | undefined, dtype: tf.DataType): tf.Tensor2D {
  return tf.tidy(() => tf.cast(given ?? tf.notEqual(ids, 0), dtype) as tf.Tensor2D);
}

function castTo(x: tf.Tensor2D, dtype: tf.DataType): tf.Tensor2D {
  return x.dtype === dtype ? x : (tf.cast(x, dtype) as tf.Tensor2D);
}

/**
 * Wraps a tfdistill encoder (from createEncoder or loaded from disk) as a frozen teacher: inference
 * mode (no dropout), all of the model's outputs (logits, and hidden/attention if it has them).
 * The padding mask is derived from the ids (the encoder's `padId`), so `attentionMask` is ignored; token type ids
 * are fed to an encoder trained on sentence pairs.
 *
 * @example
 * ```ts
 * const teacher = teacherFromEncoder(await tf.loadLayersModel('file://teacher/model.json'));
 * const { logits } = teacher.predict(ids); // [batch, classes]
 * ```
 */
export function teacherFromEncoder(model: tf.LayersModel): SyncTeacher {
  const pairs = takesTokenTypes(model);
  return {
    predict: (inputIds, _mask, typeIds) => encoderOutputs(model, inputIds, { training: false, typeIds: pairs ? typeIds : undefined }),
  };
}

/**
 * Wraps any `tf.LayersModel` classifier as a teacher. It is fed `inputIds` (cast to its first input's
 * dtype) and, if it has a second input, the attention mask (given, or ids != 0). `logitsOutput`
 * picks the logits among several outputs, by index or output name (default: the first); the
 * other outputs are disposed. Runs `model.predict` (inference mode).
 *
 * @example
 * ```ts
 * const teacher = teacherFromLayersModel(kerasModel, { logitsOutput: 'logits' });
 * teacher.predict(ids).logits; // [batch, classes]
 * ```
 */
export function teacherFromLayersModel(model: tf.LayersModel, options: { logitsOutput?: number | string } = {}): SyncTeacher {
  const { logitsOutput = 0 } = options;
  const index = typeof logitsOutput === 'number' ? logitsOutput : model.outputNames.indexOf(logitsOutput);
  if (!Number.isInteger(index) || index < 0 || index >= model.outputs.length) {
    throw new TfdistillError(
      'INVALID_ARGUMENT',
      `logitsOutput ${String(logitsOutput)} is not one of the model's outputs`,
      `outputs: ${model.outputNames.join(', ')}`,
    );
  }
  if (model.inputs.length > 2) {
    throw new TfdistillError('INVALID_ARGUMENT', `model has ${model.inputs.length} inputs; expected input ids and an optional mask`);
  }
  return {
    predict(inputIds, attentionMask): EncoderOutputs {
      const ids = castTo(inputIds, model.inputs[0].dtype);
      const feeds = model.inputs.length === 2 ? [ids, maskFor(inputIds, attentionMask, model.inputs[1].dtype)] : [ids];
      const raw = model.predict(feeds.length === 1 ? feeds[0] : feeds) as tf.Tensor | tf.Tensor[];
      const outputs = Array.isArray(raw) ? raw : [raw];
      tf.dispose([...feeds.filter((t) => t !== inputIds), ...outputs.filter((_, i) => i !== index)]);
      return { logits: outputs[index] };
    },
  };
}

/**
 * Wraps a `tf.GraphModel` (e.g. a Keras/TF SavedModel converted with tensorflowjs_converter) as a
 * teacher. Feeds `inputName` (default: the graph's first input) with the ids cast to that input's
 * dtype and, when `maskInputName` is given, the attention mask (given, or ids != 0); reads
 * `outputName` (default: the graph's first output) as logits. GraphModels have no dropout at
 * inference, so `execute` is already inference mode.
 *
 * @example
 * ```ts
 * const graph = await tf.loadGraphModel('file://bert_tfjs/model.json');
 * const teacher = teacherFromGraphModel(graph, { inputName: 'input_ids', maskInputName: 'attention_mask',
 *   outputName: 'Identity' });
 * ```
 */
export function teacherFromGraphModel(
  graphModel: tf.GraphModel,
  options: { inputName?: string; outputName?: string; maskInputName?: string } = {},
): SyncTeacher {
  const inputs = graphModel.inputs;
  const findInput = (name: string) => {
    const info = inputs.find((i) => i.name === name);
    if (!info) {
      throw new TfdistillError('INVALID_ARGUMENT', `graph model has no input '${name}'`, `inputs: ${inputs.map((i) => i.name).join(', ')}`);
    }
    return info;
  };
  const idsInput = findInput(options.inputName ?? inputs[0]?.name);
  const maskInput = options.maskInputName === undefined ? undefined : findInput(options.maskInputName);
  const outputName = options.outputName ?? graphModel.outputs[0]?.name;
  return {
    predict(inputIds, attentionMask): EncoderOutputs {
      const ids = castTo(inputIds, idsInput.dtype);
      const feeds: tf.NamedTensorMap = { [idsInput.name]: ids };
      if (maskInput) feeds[maskInput.name] = maskFor(inputIds, attentionMask, maskInput.dtype);
      const logits = graphModel.execute(feeds, outputName) as tf.Tensor;
      tf.dispose(Object.values(feeds).filter((t) => t !== inputIds));
      return { logits };
    },
  };
}
