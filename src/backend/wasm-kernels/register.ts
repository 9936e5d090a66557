import { installBatchMatMulOverride } from './batch-matmul.js';
import { registerUnsortedSegmentSum } from './unsorted-segment-sum.js';

/**
 * Installs tfdistill's wasm kernels: the missing `UnsortedSegmentSum` (so `tf.gather` has a
 * gradient) and the faster `BatchMatMul`. Idempotent; `useBackend('wasm')` calls it.
 *
 * @returns one note per kernel, for `BackendInfo.notes`
 * @example
 * ```ts
 * await tf.setBackend('wasm');
 * const notes = registerWasmKernels();
 * ```
 */
export function registerWasmKernels(): string[] {
  registerUnsortedSegmentSum();
  installBatchMatMulOverride();
  return [
    'wasm: UnsortedSegmentSum kernel added (tf.gather gradient)',
    'wasm: BatchMatMul runs transposed and batched matmuls through XNNPACK',
  ];
}
