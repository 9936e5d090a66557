import * as tf from '@tensorflow/tfjs';
import { TfdDense } from './layers/dense.js';
import { TfdEmbedding } from './layers/embedding.js';
import { TfdEncoderBlock } from './layers/encoder-block.js';
import { TfdIdentity } from './layers/identity.js';
import { TfdLayerNorm } from './layers/layer-norm.js';
import { TfdPooling } from './layers/pooling.js';
import { TfdPrunedEncoderBlock } from './layers/pruned-block.js';
import { TfdMultiHeadSelfAttention } from './layers/self-attention.js';

/**
 * Side-effect module: registers every tfdistill layer with TF.js serialization so that
 * `tf.loadLayersModel` can rebuild a saved student. `import 'tfdistill'` imports it.
 *
 * @example
 * ```ts
 * import 'tfdistill'; // registers the layers
 * const student = await tf.loadLayersModel('file://student/model.json');
 * ```
 */
export const registeredLayers = [
  TfdEmbedding,
  TfdEncoderBlock,
  TfdMultiHeadSelfAttention,
  TfdLayerNorm,
  TfdPooling,
  TfdDense,
  TfdIdentity,
  TfdPrunedEncoderBlock,
] as const;

for (const layer of registeredLayers) tf.serialization.registerClass(layer);
