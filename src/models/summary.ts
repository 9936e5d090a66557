import * as tf from '@tensorflow/tfjs';
import { int8Role } from './layers/weights.js';

/**
 * Total number of parameters (trainable and not). A block shared across layers counts once.
 *
 * @example
 * ```ts
 * countParameters(createEncoder({ ...encoderPresets.studentTiny, vocabSize: 1000, maxLength: 64, numClasses: 2 }));
 * ```
 */
export function countParameters(model: tf.LayersModel): number {
  return model.weights.reduce((sum, w) => sum + weightParameters(w), 0);
}

/**
 * The parameters a variable holds: its elements, except for int8 dense kernels (`quantize --dtype int8`), whose
 * packed panel holds four weights per int32 (zero padding to k even and n a multiple of 8 included) and whose
 * column scales are quantization metadata, not parameters.
 */
function weightParameters(w: tf.LayerVariable): number {
  const role = int8Role(w.originalName)?.role;
  const size = tf.util.sizeFromShape(w.shape as number[]);
  return role === 'scales' ? 0 : role === 'panel' ? 4 * size : size;
}

function layerParameters(layer: tf.layers.Layer): number {
  return layer.weights.reduce((sum, w) => sum + weightParameters(w), 0);
}

/**
 * A plain-text table of the encoder's layers: name, class, parameters and how many times the layer
 * is applied (a shared block shows `x4`), then the total.
 *
 * @example
 * ```ts
 * console.log(summarizeEncoder(student));
 * // embeddings      TfdEmbedding      24,576  x1
 * // block_0         TfdEncoderBlock   49,984  x1 ...
 * ```
 */
export function summarizeEncoder(model: tf.LayersModel): string {
  const fmt = (n: number) => n.toLocaleString('en-US');
  const rows = model.layers
    .filter((layer) => layer.getClassName() !== 'InputLayer')
    .map((layer) => [layer.name, layer.getClassName(), fmt(layerParameters(layer)), `x${layer.inboundNodes.length}`]);
  rows.push(['total', '', fmt(countParameters(model)), '']);
  const widths = [0, 1, 2].map((col) => Math.max(...rows.map((r) => r[col].length)));
  return rows.map((r) => `${r[0].padEnd(widths[0])}  ${r[1].padEnd(widths[1])}  ${r[2].padStart(widths[2])}  ${r[3]}`.trimEnd()).join('\n');
}
