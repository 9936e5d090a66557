import * as tf from '@tensorflow/tfjs';
import { int8LinearKernelName, int8LinearKernelTakes } from '../../backend/wasm-kernels/linear-int8.js';
import { ACTIVATION_MAX, unpackPanel } from './int8-math.js';

/**
 * A dense kernel stored as int8 columns: the packed panel (int32 words holding the bytes) and the column scales.
 *
 * @example
 * ```ts
 * const w: Int8Kernel = { panel: panelVariable.read(), scales: scaleVariable.read(), k: 128, n: 512 };
 * ```
 */
export interface Int8Kernel {
  /** The packed int8 weights, `packPanel`'s words. */
  panel: tf.Tensor;
  /** float32 [n], one scale per output column. */
  scales: tf.Tensor;
  /** Input width (rows of W). */
  k: number;
  /** Output width (columns of W). */
  n: number;
}

/**
 * The int8 dense layer, y = x W + b over the last axis of x (any rank), with x quantized per row at run time
 * (`src/models/layers/int8-math.ts` has the math). On wasm one int8 SIMD kernel; elsewhere (or for shapes the kernel does
 * not take) the same math in tfjs ops on the unpacked weights, whose integer products are exact in float32 for
 * k up to 2096 (|q w| <= 127 * 63). Inference only: there is no gradient.
 *
 * @param x float32 [..., k]
 * @returns float32 [..., n]
 * @example
 * ```ts
 * const y = int8Linear(x, { panel, scales, k: 128, n: 512 }, bias); // [batch, seq, 512]
 * ```
 */
export function int8Linear(x: tf.Tensor, w: Int8Kernel, bias?: tf.Tensor): tf.Tensor {
  if (int8LinearKernelTakes(x, w.n)) {
    const inputs: tf.NamedTensorMap = { x, panel: w.panel, scales: w.scales, ...(bias === undefined ? {} : { bias }) };
    return tf.engine().runKernel(int8LinearKernelName, inputs, { n: w.n }) as tf.Tensor;
  }
  const values = unpackPanel(w.panel.dataSync() as Int32Array, w.k, w.n);
  return tf.tidy(() => {
    const x2 = x.reshape([-1, w.k]); // [rows, k]
    const max = tf.max(tf.abs(x2), 1, true); // [rows, 1]
    const inverse = tf.where(tf.greater(max, 0), tf.div(ACTIVATION_MAX, max), tf.zerosLike(max));
    const q = tf.round(tf.mul(x2, inverse)); // ties to even
    const sums = tf.matMul(q, tf.tensor2d(Float32Array.from(values), [w.k, w.n]));
    const y = tf.mul(sums, tf.mul(tf.div(max, ACTIVATION_MAX), w.scales));
    return (bias === undefined ? y : tf.add(y, bias)).reshape([...x.shape.slice(0, -1), w.n]);
  });
}
