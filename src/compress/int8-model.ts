import * as tf from '@tensorflow/tfjs';
import { TfdistillError } from '../errors.js';
import { packPanel, quantizeColumns } from '../models/layers/int8-math.js';
import { int8Role } from '../models/layers/weights.js';

/** Layer classes whose dense kernels can be stored and run as int8 (their configs take `int8: true`). */
const INT8_LAYERS = ['TfdEncoderBlock', 'TfdPrunedEncoderBlock'];

interface LayerJson {
  class_name: string;
  config: Record<string, unknown>;
}

/**
 * An inference copy of `model` whose encoder blocks hold their dense kernels (q|k|v, output projection, FFN) as int8
 * columns and run them with `int8Linear` (the int8 SIMD kernel on wasm): each float32 kernel `<name>` [k, n] becomes
 * `<name>_int8` (packed panel) and `<name>_scale` [n] by `quantizeColumns`; every other weight is copied. The
 * caller disposes the copy; `model` is untouched.
 *
 * @returns the copy and the names of the kernels it quantized
 * @example
 * ```ts
 * const { model: int8, kernels } = await int8Model(student); // kernels: ['block_0/qkv_kernel', ...]
 * ```
 */
export async function int8Model(model: tf.LayersModel): Promise<{ model: tf.LayersModel; kernels: string[] }> {
  const topology = model.toJSON(null, false) as unknown as { config: { layers: LayerJson[] } };
  let blocks = 0;
  for (const layer of topology.config.layers) {
    if (!INT8_LAYERS.includes(layer.class_name)) continue;
    if (layer.config.int8 === true)
      throw new TfdistillError('INVALID_ARGUMENT', 'this model is already int8', 'quantize its float32 checkpoint');
    layer.config.int8 = true;
    blocks++;
  }
  if (blocks === 0) {
    throw new TfdistillError(
      'INVALID_ARGUMENT',
      'int8 compute needs tfdistill encoder blocks (TfdEncoderBlock); this model has none',
      'quantize a tfdistill student, or use --dtype uint8 for weight-only quantization',
    );
  }
  const copy = await tf.models.modelFromJSON({ modelTopology: topology as unknown as tf.io.ModelJSON['modelTopology'] });
  const source = new Map(model.weights.map((v) => [v.originalName, v]));
  const quantized = new Map<string, { panel: Int32Array; scales: Float32Array }>();
  const columnsOf = (kernel: string) => {
    let q = quantized.get(kernel);
    if (q === undefined) {
      const v = source.get(kernel) as tf.LayerVariable;
      const [k, n] = v.shape as [number, number];
      const { values, scales } = quantizeColumns(v.read().dataSync() as Float32Array, k, n);
      q = { panel: packPanel(values, k, n), scales };
      quantized.set(kernel, q);
    }
    return q;
  };
  try {
    tf.tidy(() => {
      for (const v of copy.weights) {
        const int8 = int8Role(v.originalName);
        if (int8?.role === 'panel') v.write(tf.tensor1d(columnsOf(int8.kernel).panel, 'int32'));
        else if (int8?.role === 'scales') v.write(tf.tensor1d(columnsOf(int8.kernel).scales));
        else v.write((source.get(v.originalName) as tf.LayerVariable).read());
      }
    });
  } catch (error) {
    copy.dispose();
    throw error;
  }
  return { model: copy, kernels: [...quantized.keys()] };
}
