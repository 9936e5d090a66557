import * as tf from '@tensorflow/tfjs';
import { addWasmKernels } from './override.js';
import type { WasmKernelArgs } from './wasm-backend-types.js';

/**
 * `UnsortedSegmentSum` for tfjs-backend-wasm, which 4.22 does not ship: without it the gradient
 * of `tf.gather` (and so of every embedding built on it) throws on wasm.
 *
 * out[s, ...] = sum of x[i, ...] over all i with segmentIds[i] == s; ids outside
 * [0, numSegments) are dropped (as the cpu kernel does).
 *
 * Runs in JS directly on the wasm heap: the inputs are read through typed-array views of their
 * buffers and the sums are written into the output buffer, so nothing is copied or synced.
 *
 * @param x [...idsShape, ...inner] float32 or int32
 * @param segmentIds int32 [...idsShape]
 * @returns [numSegments, ...inner], dtype of x
 */
function unsortedSegmentSum({ inputs, backend, attrs }: WasmKernelArgs<'x' | 'segmentIds', tf.UnsortedSegmentSumAttrs>): tf.TensorInfo {
  const { x, segmentIds } = inputs;
  const { numSegments } = attrs;
  if (x.dtype !== 'float32' && x.dtype !== 'int32') {
    throw new Error(`UnsortedSegmentSum on wasm supports float32 and int32, not ${x.dtype}`);
  }
  const innerShape = x.shape.slice(segmentIds.shape.length);
  const inner = tf.util.sizeFromShape(innerShape);
  const rows = tf.util.sizeFromShape(segmentIds.shape);
  if (rows * inner !== tf.util.sizeFromShape(x.shape)) {
    throw new Error(`UnsortedSegmentSum: segmentIds shape [${segmentIds.shape}] is not a prefix of x shape [${x.shape}]`);
  }
  // Allocate first: allocation may grow the heap, which detaches typed arrays taken before it.
  const out = backend.makeOutput([numSegments, ...innerShape], x.dtype);
  const sums = backend.typedArrayFromHeap(out); // [numSegments * inner]
  const values = backend.typedArrayFromHeap(x); // [rows * inner]
  const ids = backend.typedArrayFromHeap(segmentIds); // [rows]
  sums.fill(0);
  for (let i = 0; i < rows; i++) {
    const s = ids[i];
    if (!(s >= 0 && s < numSegments)) continue;
    const dst = s * inner;
    const src = i * inner;
    for (let j = 0; j < inner; j++) sums[dst + j] += values[src + j];
  }
  return out;
}

/**
 * Registers the kernel for wasm unless tfjs-backend-wasm already has one (a later release might).
 * Idempotent.
 *
 * @example
 * ```ts
 * registerUnsortedSegmentSum();
 * const grad = tf.grad((t: tf.Tensor) => tf.gather(t, ids).sum())(table); // works on wasm now
 * ```
 */
export function registerUnsortedSegmentSum(): void {
  addWasmKernels({ UnsortedSegmentSum: unsortedSegmentSum });
}
