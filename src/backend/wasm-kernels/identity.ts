import * as tf from '@tensorflow/tfjs';
import { type WasmKernelArgs, type WasmKernelFunc } from './wasm-backend-types.js';

/**
 * `Identity` for tfjs-backend-wasm 4.22 that shares the input's buffer (reference-counted) instead of copying it,
 * as the cpu backend's `Identity` and the wasm backend's own `Reshape` already do.
 *
 * Why: while gradients are being recorded, tfjs-core saves every tensor a backward pass needs with `clone()`, i.e.
 * an `Identity` kernel, and the stock wasm kernel copies the data. One cached KD step of the standard workload made
 * 179 such copies (~40 ms and as many megabytes of activations held twice). TF.js tensors are immutable (kernels
 * write only into their own outputs; `Variable.assign` swaps buffers), so sharing is safe; strings go to the stock
 * kernel.
 */

let stockKernel: tf.KernelConfig | undefined;

function identity(args: WasmKernelArgs<'x'>): tf.TensorInfo {
  const { inputs: { x }, backend } = args;
  if (x.dtype === 'string') return (stockKernel!.kernelFunc as unknown as WasmKernelFunc)(args);
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/**
 * Replaces the wasm `Identity` kernel with the buffer-sharing one above (idempotent); `restoreStockIdentity` puts
 * the copying one back.
 *
 * @example
 * ```ts
 * installIdentityOverride();
 * const y = tf.clone(x); // same wasm buffer as x, freed when both are disposed
 * ```
 */
export function installIdentityOverride(): void {
  const current = tf.getKernel('Identity', 'wasm');
  if (current === undefined) throw new Error('tfjs-backend-wasm is not loaded: no Identity kernel to override');
  if (current.kernelFunc === (identity as unknown as tf.KernelFunc)) return;
  stockKernel = current;
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({ kernelName: 'Identity', backendName: 'wasm', setupFunc: current.setupFunc, kernelFunc: identity as unknown as tf.KernelFunc });
}

/**
 * Puts the stock (copying) wasm `Identity` kernel back (benchmarks and tests).
 *
 * @example
 * ```ts
 * restoreStockIdentity();
 * ```
 */
export function restoreStockIdentity(): void {
  if (stockKernel === undefined || tf.getKernel('Identity', 'wasm')?.kernelFunc === stockKernel.kernelFunc) return;
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel(stockKernel);
}
