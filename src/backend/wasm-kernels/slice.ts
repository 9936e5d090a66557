import * as tf from '@tensorflow/tfjs';
import { wasmKernelOverride } from './override.js';
import type { WasmKernelArgs } from './wasm-backend-types.js';

/**
 * `Slice` and `Unpack` (`tf.unstack`) on wasm as runs of contiguous copies. The stock kernels move ~8 ns an element
 * here (about 30 ms to unstack attention's [3, 32, 4, 128, 64] q|k|v block); a slice is a box of the input whose
 * innermost full axes form contiguous runs, so it copies those runs with `TypedArray.set` (memcpy) instead. Boxes
 * whose runs are shorter than {@link MIN_RUN} elements go to the stock kernel.
 */

/** Runs shorter than this are copied by the stock kernel (per-run JS overhead would dominate). */
export const MIN_RUN = 16;

/** Length of the contiguous runs of a box: the product of the trailing axes it covers fully, times the next one. */
function runLength(shape: number[], size: number[]): { axis: number; run: number } {
  let axis = shape.length - 1;
  let run = size[axis] ?? 1;
  while (axis > 0 && size[axis] === shape[axis]) {
    axis--;
    run *= size[axis];
  }
  return { axis, run };
}

/** Copies the box `begin`/`size` of `src` (shape `shape`, row-major) to `dst` starting at `at`. */
function copyBox(
  src: tf.TypedArray,
  shape: number[],
  begin: number[],
  size: number[],
  axis: number,
  run: number,
  dst: tf.TypedArray,
  at: number,
): void {
  const strides = tf.util.computeStrides(shape);
  const stride = (i: number) => (i < shape.length - 1 ? strides[i] : 1);
  const outer = size.slice(0, axis); // odometer over the axes before the run's
  const index = new Array<number>(axis).fill(0);
  let base = begin.reduce((s, b, i) => s + b * stride(i), 0);
  const total = outer.reduce((p, d) => p * d, 1);
  for (let n = 0; n < total; n++) {
    dst.set(src.subarray(base, base + run), at);
    at += run;
    for (let i = axis - 1; i >= 0; i--) {
      index[i]++;
      base += stride(i);
      if (index[i] < outer[i]) break;
      base -= index[i] * stride(i);
      index[i] = 0;
    }
  }
}

const copyable = (dtype: string) => dtype === 'float32' || dtype === 'int32' || dtype === 'bool';

function slice(args: WasmKernelArgs<'x', tf.SliceAttrs>): tf.TensorInfo {
  const {
    inputs: { x },
    backend,
    attrs,
  } = args;
  const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, attrs.begin, attrs.size);
  const { axis, run } = runLength(x.shape, size);
  const count = tf.util.sizeFromShape(size);
  if (!copyable(x.dtype) || (run < MIN_RUN && run !== count)) return sliceOverride.stock()(args) as tf.TensorInfo;
  const out = backend.makeOutput(size, x.dtype);
  if (count === 0) return out;
  // Views after makeOutput: allocating may grow the heap, which detaches earlier views.
  copyBox(backend.typedArrayFromHeap(x), x.shape, begin, size, axis, run, backend.typedArrayFromHeap(out), 0);
  return out;
}

function unpack(args: WasmKernelArgs<'value', tf.UnpackAttrs>): tf.TensorInfo[] {
  const {
    inputs: { value },
    backend,
    attrs,
  } = args;
  const shape = value.shape;
  const axis = tf.util.parseAxisParam(attrs.axis, shape)[0];
  const size = shape.map((d, i) => (i === axis ? 1 : d));
  const { axis: runAxis, run } = runLength(shape, size);
  const count = tf.util.sizeFromShape(size);
  if (!copyable(value.dtype) || (run < MIN_RUN && run !== count)) return unpackOverride.stock()(args) as unknown as tf.TensorInfo[];
  const outShape = shape.filter((_, i) => i !== axis);
  const outs = Array.from({ length: shape[axis] }, () => backend.makeOutput(outShape, value.dtype));
  if (count === 0) return outs;
  const src = backend.typedArrayFromHeap(value);
  outs.forEach((out, i) => {
    const begin = shape.map((_, j) => (j === axis ? i : 0));
    copyBox(src, shape, begin, size, runAxis, run, backend.typedArrayFromHeap(out), 0);
  });
  return outs;
}

const sliceOverride = wasmKernelOverride('Slice', slice);
const unpackOverride = wasmKernelOverride('Unpack', unpack);

/**
 * Registers the `Slice` and `Unpack` overrides for the wasm backend (idempotent).
 *
 * @example
 * ```ts
 * installSliceOverrides(); // tf.unstack(qkv) and tf.slice(x, ...) copy contiguous runs
 * ```
 */
export function installSliceOverrides(): void {
  sliceOverride.install();
  unpackOverride.install();
}

/**
 * Puts the stock wasm `Slice` and `Unpack` kernels back (benchmarks, tests).
 *
 * @example
 * ```ts
 * restoreStockSlices();
 * ```
 */
export function restoreStockSlices(): void {
  sliceOverride.restore();
  unpackOverride.restore();
}
