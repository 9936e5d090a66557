import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * A zero-copy window onto part of a wasm tensor's buffer, registered under a fresh tensor id so
 * the backend's C++ kernels can read or write it like a tensor of its own.
 *
 * Why: XNNPACK (the fast matmul inside tfjs-backend-wasm) is only used for un-batched inputs, so a
 * batched matmul is run as one XNNPACK call per batch slice; views let every slice be an operand
 * without copying it out of (or back into) the batched tensor.
 *
 * @example
 * ```ts
 * const view: HeapView = makeHeapView(backend, out, 0, [1, m, n]);
 * ```
 */
export interface HeapView {
  /** Pass this to wasm kernels; its `dataId` is known to the backend until `releaseHeapView`. */
  readonly info: tf.TensorInfo;
  /** The id the C++ side knows this view by. */
  readonly id: number;
}

/**
 * Registers `shape` float32 elements starting `offset` elements into `base` as a view.
 * The view owns no memory: `base` must stay alive until the view is released.
 *
 * @example
 * ```ts
 * const slice = makeHeapView(backend, x, 2 * rows * cols, [1, rows, cols]); // x[2] of [batch, rows, cols]
 * // ... call a C++ kernel with slice.id ...
 * releaseHeapView(backend, slice);
 * ```
 */
export function makeHeapView(backend: BackendWasm, base: tf.TensorInfo, offset: number, shape: number[]): HeapView {
  const bytes = offset * Float32Array.BYTES_PER_ELEMENT;
  const info = backend.makeOutput(shape, 'float32', backend.getMemoryOffset(base.dataId) + bytes);
  return { info, id: backend.dataIdMap.get(info.dataId).id };
}

/**
 * Forgets a view on both sides: the C++ side runs its disposal callbacks for the id (dropping any
 * XNNPACK operator cached on it) and the JS side drops the entry. The memory is not freed: it
 * belongs to the base tensor.
 *
 * @example
 * ```ts
 * releaseHeapView(backend, slice);
 * ```
 */
export function releaseHeapView(backend: BackendWasm, view: HeapView): void {
  backend.wasm.tfjs.disposeData(view.id);
  backend.dataIdMap.delete(view.info.dataId);
}
