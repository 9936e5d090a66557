import type * as tf from '@tensorflow/tfjs';
import { wasmKernelOverride } from './override.js';
import type { WasmKernelArgs } from './wasm-backend-types.js';

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

function identity(args: WasmKernelArgs<'x'>): tf.TensorInfo {
  const {
    inputs: { x },
    backend,
  } = args;
  if (x.dtype === 'string') return override.stock()(args);
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

const override = wasmKernelOverride('Identity', identity);

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
  override.install();
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
  override.restore();
}
