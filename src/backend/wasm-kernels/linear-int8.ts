import * as tf from '@tensorflow/tfjs';
import { addWasmKernels } from './override.js';
import { simdKernels } from './simd/instance.js';
import { disposeTemp, type WasmKernelArgs } from './wasm-backend-types.js';

/**
 * The int8 dense layer on wasm: y = x W + b with x quantized per row at run time and W stored as packed int8 columns
 * (`src/models/layers/int8-math.ts` has the math and the panel layout), as two SIMD kernels: `quantizeRows` into an int16
 * scratch, then `matmulInt8` (int32 sums, dequantized and biased as each tile is stored). Inference only: the kernel
 * has no gradient. The tfjs-facing op is `int8Linear` in `../../models/layers/int8-linear.ts`.
 */

/**
 * Kernel name (registered for wasm only).
 *
 * @example
 * ```ts
 * tf.getKernel(int8LinearKernelName, 'wasm') !== undefined; // true after useBackend('wasm')
 * ```
 */
export const int8LinearKernelName = 'TfdLinearInt8';

const size = (shape: number[]): number => shape.reduce((p, d) => p * d, 1);

/**
 * Whether `int8Linear` can run as the wasm kernel here: on wasm with the kernel registered, float32 x [..., k] with k
 * a multiple of 8 and rows (the product of the leading axes) a multiple of 4, n a multiple of 8.
 *
 * @example
 * ```ts
 * if (int8LinearKernelTakes(x, n)) y = tf.engine().runKernel(int8LinearKernelName, { x, panel, scales }, { n }) as tf.Tensor;
 * ```
 */
export function int8LinearKernelTakes(x: tf.Tensor, n: number): boolean {
  if (tf.getBackend() !== 'wasm' || tf.getKernel(int8LinearKernelName, 'wasm') === undefined) return false;
  const k = x.shape[x.rank - 1];
  return x.dtype === 'float32' && x.rank >= 2 && k % 8 === 0 && size(x.shape) > 0 && (size(x.shape) / k) % 4 === 0 && n % 8 === 0;
}

type Int8LinearArgs = WasmKernelArgs<'x' | 'panel' | 'scales' | 'bias', { n: number }>;

function int8LinearKernel({ inputs: { x, panel, scales, bias }, backend, attrs: { n } }: Int8LinearArgs): tf.TensorInfo {
  const k = x.shape[x.shape.length - 1];
  const rows = size(x.shape) / k;
  const out = backend.makeOutput([...x.shape.slice(0, -1), n], 'float32');
  const q = backend.makeOutput([(rows * k) / 2], 'int32'); // int16 pairs
  const rowScales = backend.makeOutput([rows], 'float32');
  const at = (t: tf.TensorInfo) => backend.getMemoryOffset(t.dataId);
  try {
    const kernels = simdKernels(backend);
    kernels.quantizeRows(at(x), at(q), at(rowScales), rows, k);
    kernels.matmulInt8(at(q), at(panel), at(rowScales), at(scales), bias === undefined ? 0 : at(bias), at(out), rows, k, n);
    return out;
  } finally {
    disposeTemp(backend, q);
    disposeTemp(backend, rowScales);
  }
}

/**
 * Registers the kernel for wasm (idempotent).
 *
 * @example
 * ```ts
 * registerInt8LinearKernel();
 * ```
 */
export function registerInt8LinearKernel(): void {
  addWasmKernels({ [int8LinearKernelName]: int8LinearKernel });
}
