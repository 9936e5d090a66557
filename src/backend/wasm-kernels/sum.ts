import * as tf from '@tensorflow/tfjs';
import { type WasmKernelArgs, type WasmKernelFunc } from './wasm-backend-types.js';

/**
 * A faster `Sum` for tfjs-backend-wasm 4.22 when it reduces leading axes of a float32 tensor
 * (every bias gradient: dy [batch*seq, units] summed over axis 0).
 *
 * Why: the stock kernel only reduces innermost axes, so it first transposes the whole input
 * ([4096, 384]: ~18 ms of a ~20 ms sum). Here the rows are accumulated in place on the wasm heap
 * instead (~3 ms), adding them in the same order as the stock kernel does. Every other reduction
 * goes to the stock kernel.
 */

let stockKernel: tf.KernelConfig | undefined;

function sum(args: WasmKernelArgs<'x', tf.SumAttrs>): tf.TensorInfo {
  const { inputs: { x }, backend, attrs: { axis, keepDims } } = args;
  const axes = tf.util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
  const k = axes.length;
  const leading = k > 0 && k < x.shape.length && axes.every((a, i) => a === i);
  const size = tf.util.sizeFromShape(x.shape);
  if (x.dtype !== 'float32' || !leading || size === 0) {
    return (stockKernel!.kernelFunc as unknown as WasmKernelFunc)(args);
  }
  const kept = x.shape.slice(k); // [...inner]
  const inner = tf.util.sizeFromShape(kept);
  const out = backend.makeOutput(keepDims ? [...new Array<number>(k).fill(1), ...kept] : kept, 'float32');
  // Views are taken after allocating: a heap growth would detach earlier ones.
  const totals = backend.typedArrayFromHeap(out); // [inner]
  const values = backend.typedArrayFromHeap(x); // [rows, inner]
  totals.fill(0);
  for (let row = 0; row < size; row += inner) {
    for (let j = 0; j < inner; j++) totals[j] += values[row + j];
  }
  return out;
}

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
  const current = tf.getKernel('Sum', 'wasm');
  if (current === undefined) throw new Error('tfjs-backend-wasm is not loaded: no Sum kernel to override');
  if (current.kernelFunc === (sum as unknown as tf.KernelFunc)) return;
  stockKernel = current;
  tf.unregisterKernel('Sum', 'wasm');
  tf.registerKernel({ kernelName: 'Sum', backendName: 'wasm', setupFunc: current.setupFunc, kernelFunc: sum as unknown as tf.KernelFunc });
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
  if (stockKernel === undefined || tf.getKernel('Sum', 'wasm')?.kernelFunc === stockKernel.kernelFunc) return;
  tf.unregisterKernel('Sum', 'wasm');
  tf.registerKernel(stockKernel);
}
