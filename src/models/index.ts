/**
 * The models folder in one import for the rest of src/: encoders, their layers, teacher adapters, precision and
 * dropout controls; importing it registers the layers. Users import these names from `tfdistill` (encoders,
 * presets, teachers) and `tfdistill/advanced` (layers, outputs, precision, dropout).
 *
 * @example
 * ```ts
 * import { createEncoder, encoderPresets } from 'tfdistill';
 * import { encoderOutputs } from 'tfdistill/advanced';
 * const student = createEncoder({ ...encoderPresets.studentSmall, vocabSize: 8000, maxLength: 128, numClasses: 2 });
 * const { logits } = encoderOutputs(student, ids, { training: false }); // ids int32 [batch, seq] -> [batch, classes]
 * ```
 */
import './register.js';

export { createEncoder } from './encoder.js';
export { encoderOutputs, outputName, type EncoderRunOptions } from './outputs.js';
export { takesTokenTypes, encoderPadId } from './inputs.js';
export {
  encoderPresets,
  scaleEncoderOptions,
  resolveEncoderOptions,
  type EncoderOptions,
  type EncoderShape,
  type EncoderOutputKind,
  type ResolvedEncoderOptions,
} from './options.js';
export { initStudentFromTeacher, type InitReport } from './init-from-teacher.js';
export { countParameters, summarizeEncoder } from './summary.js';
export { encoderParts, type EncoderParts } from './parts.js';
export { teacherFromEncoder, teacherFromLayersModel, teacherFromGraphModel } from './teacher.js';
export { loadOnnxTeacher, type OnnxTeacher, type OnnxTeacherOptions } from './onnx-teacher.js';
export { ORT_INSTALL_COMMAND } from './onnx-runtime.js';
export { teacherFromTransformersJs, type TransformersJsModel } from './transformers-js-teacher.js';
export { setActivationHook, withActivationHook, layerOutput, type ActivationHook } from './activation-hook.js';
export { setDropoutSeed, dropoutSeedState, restoreDropoutSeedState } from './dropout.js';
export {
  roundToFloat16,
  roundToBfloat16,
  setComputePrecision,
  getComputePrecision,
  applyPrecision,
  type ComputePrecision,
} from './precision.js';
export { TfdEmbedding, type EmbeddingConfig } from './layers/embedding.js';
export { TfdEncoderBlock, type EncoderBlockConfig } from './layers/encoder-block.js';
export { TfdMultiHeadSelfAttention } from './layers/self-attention.js';
export { TfdLayerNorm } from './layers/layer-norm.js';
export { TfdPooling, type Pooling } from './layers/pooling.js';
export { TfdDense } from './layers/dense.js';
export { TfdIdentity } from './layers/identity.js';
export type { Activation } from './layers/ops.js';
export type { EncoderOutputs, Teacher, SyncTeacher } from './types.js';
