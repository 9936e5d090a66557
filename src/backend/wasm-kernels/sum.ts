import * as tf from '@tensorflow/tfjs';
import { wasmKernelOverride } from './override.js';
import { simdKernels } from './simd/instance.js';
import type { WasmKernelArgs } from './wasm-backend-types.js';

/**
 * A faster `Sum` for tfjs-backend-wasm 4.22 when it reduces leading axes of a float32 tensor
 * (every bias gradient: dy [batch*seq, units] summed over axis 0).
 *
 * Why: the stock kernel only reduces innermost axes, so it first transposes the whole input
 * ([4096, 384]: ~18 ms of a ~20 ms sum). Here the rows are accumulated in place on the wasm heap
 * instead, adding them in the same order as the stock kernel does: four columns at a time by the SIMD
 * `sumRows` when the row length is a multiple of 4, in a JS loop otherwise. Every other reduction goes
 * to the stock kernel.
 */

function sum(args: WasmKernelArgs<'x', tf.SumAttrs>): tf.TensorInfo {
  const {
    inputs: { x },
    backend,
    attrs: { axis, keepDims },
  } = args;
  const axes = tf.util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
  const k = axes.length;
  const leading = k > 0 && k < x.shape.length && axes.every((a, i) => a === i);
  const size = tf.util.sizeFromShape(x.shape);
  if (x.dtype !== 'float32' || !leading || size === 0) {
    return override.stock()(args);
  }
  const kept = x.shape.slice(k); // [...inner]
  const inner = tf.util.sizeFromShape(kept);
  const out = backend.makeOutput(keepDims ? [...new Array<number>(k).fill(1), ...kept] : kept, 'float32');
  if (inner % 4 === 0) {
    simdKernels(backend).sumRows(backend.getMemoryOffset(x.dataId), backend.getMemoryOffset(out.dataId), size / inner, inner);
    return out;
  }
  // Views are taken after allocating: a heap growth would detach earlier ones.
  const totals = backend.typedArrayFromHeap(out); // [inner]
  const values = backend.typedArrayFromHeap(x); // [rows, inner]
  totals.fill(0);
  for (let row = 0; row < size; row += inner) {
    for (let j = 0; j < inner; j++) totals[j] += values[row + j];
  }
  return out;
}

const override = wasmKernelOverride('Sum', sum);

/**
 * Replaces the wasm `Sum` kernel with the one above (idempotent); the stock one still does every
 * reduction that is not over leading axes, and can be put back with `restoreStockSum`.
 *
 * @example
 * ```ts
 * installSumOverride();
 * tf.sum(dy, 0); // bias gradient [units] without transposing dy
 * ```
 */
export function installSumOverride(): void {
  override.install();
}

/**
 * Puts the stock wasm `Sum` kernel back (benchmarks and tests).
 *
 * @example
 * ```ts
 * restoreStockSum();
 * ```
 */
export function restoreStockSum(): void {
  override.restore();
}
