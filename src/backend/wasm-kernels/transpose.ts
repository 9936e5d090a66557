import type * as tf from '@tensorflow/tfjs';
import { wasmKernelOverride } from './override.js';
import { simdKernels } from './simd/instance.js';
import { simdSwitches } from './simd/switches.js';
import type { WasmKernelArgs } from './wasm-backend-types.js';

/**
 * A faster `Transpose` for tfjs-backend-wasm 4.22: matrix transposes in SIMD tiles, and tensors of rank 5 and up.
 *
 * Matrix transposes ([rows, cols] or [batch, rows, cols] with the last two swapped, after collapsing; every
 * transposed matmul operand) of 4-byte elements with rows and cols multiples of 4 run the SIMD `transpose` kernel
 * of `scripts/simd/kernels-wat.ts` in 4x4 tiles, several times faster than the stock element-by-element copy.
 *
 * Why: the stock C++ kernel has tuned paths up to rank 4 only; above that it computes every
 * element's source index from scratch, ~80-160 ns per element. Attention's head split
 * ([batch, seq, 3, heads, dHead] -> [3, batch, heads, seq, dHead]) spent ~250 ms per call there,
 * most of a training step. This kernel works in JS directly on the wasm heap:
 *  1. drops size-1 axes and merges axes that stay adjacent and in order under `perm`,
 *  2. walks the output in order with an odometer over the outer axes, copying each innermost
 *     run with one `TypedArray.set` when it is contiguous in the input (it usually is).
 * Ranks that collapse to <= 4 go to the stock kernel (as fast there). `bench/kernels.ts` times both paths.
 */

/**
 * Shape and perm with size-1 axes removed and runs of axes kept together merged into one: the
 * same permutation of the same memory, in the fewest axes.
 *
 * @example
 * ```ts
 * collapseTranspose([2, 3, 4], [1, 2, 0]); // { shape: [2, 12], perm: [1, 0] }
 * ```
 */
export function collapseTranspose(shape: number[], perm: number[]): { shape: number[]; perm: number[] } {
  // Number the axes that are not size 1 consecutively: with the size-1 axes gone, axes on either
  // side of one are adjacent in memory.
  const compact = new Map<number, number>();
  const dims: number[] = [];
  shape.forEach((d, axis) => {
    if (d !== 1) compact.set(axis, dims.push(d) - 1);
  });
  // Group the output-order axes into runs of consecutive input axes.
  const runs: number[][] = [];
  for (const axis of perm) {
    const c = compact.get(axis);
    if (c === undefined) continue;
    const last = runs[runs.length - 1];
    if (last !== undefined && last[last.length - 1] + 1 === c) last.push(c);
    else runs.push([c]);
  }
  // Each run becomes one axis; number the runs by their position in the input.
  const byInput = [...runs].sort((a, b) => a[0] - b[0]);
  return {
    shape: byInput.map((run) => run.reduce((p, c) => p * dims[c], 1)),
    perm: runs.map((run) => byInput.indexOf(run)),
  };
}

/** out = x permuted, for collapsed `shape`/`perm` of rank >= 2, run by run in output order. */
function permuteInto(out: tf.TypedArray, x: tf.TypedArray, shape: number[], perm: number[]): void {
  const rank = shape.length;
  const inStrides = new Array<number>(rank);
  for (let d = rank - 1, s = 1; d >= 0; d--) {
    inStrides[d] = s;
    s *= shape[d];
  }
  const outShape = perm.map((axis) => shape[axis]);
  const strides = perm.map((axis) => inStrides[axis]); // input stride of each output axis
  const inner = outShape[rank - 1];
  const innerStride = strides[rank - 1];
  const counter = new Array<number>(rank - 1).fill(0);
  let src = 0; // input offset of the current innermost run
  for (let dst = 0; dst < out.length; dst += inner) {
    if (innerStride === 1) out.set(x.subarray(src, src + inner), dst);
    else for (let j = 0; j < inner; j++) out[dst + j] = x[src + j * innerStride];
    // Advance the odometer over the outer output axes.
    for (let d = rank - 2; d >= 0; d--) {
      src += strides[d];
      if (++counter[d] < outShape[d]) break;
      src -= strides[d] * outShape[d];
      counter[d] = 0;
    }
  }
}

/** [batch, rows, cols] when `shape`/`perm` (collapsed) swap the last two axes of 4-divisible sizes, else undefined. */
function tiledTranspose(shape: number[], perm: number[]): [number, number, number] | undefined {
  const swapsLast = (perm.length === 2 && perm[0] === 1) || (perm.length === 3 && perm[0] === 0 && perm[1] === 2);
  if (!swapsLast) return undefined;
  const [rows, cols] = shape.slice(-2);
  return rows % 4 === 0 && cols % 4 === 0 ? [shape.length === 3 ? shape[0] : 1, rows, cols] : undefined;
}

function transpose(args: WasmKernelArgs<'x', tf.TransposeAttrs>): tf.TensorInfo {
  const {
    inputs: { x },
    backend,
    attrs: { perm },
  } = args;
  const collapsed = collapseTranspose(x.shape, perm);
  const tiles =
    simdSwitches.transpose && (x.dtype === 'float32' || x.dtype === 'int32') ? tiledTranspose(collapsed.shape, collapsed.perm) : undefined;
  if (tiles !== undefined) {
    const out = backend.makeOutput(
      perm.map((axis) => x.shape[axis]),
      x.dtype,
    );
    simdKernels(backend).transpose(backend.getMemoryOffset(x.dataId), backend.getMemoryOffset(out.dataId), ...tiles);
    return out;
  }
  if (collapsed.shape.length <= 4 || x.dtype === 'string' || x.dtype === 'complex64') {
    return override.stock()(args);
  }
  const out = backend.makeOutput(
    perm.map((axis) => x.shape[axis]),
    x.dtype,
  );
  // Views are taken after allocating: a heap growth would detach earlier ones.
  permuteInto(backend.typedArrayFromHeap(out), backend.typedArrayFromHeap(x), collapsed.shape, collapsed.perm);
  return out;
}

const override = wasmKernelOverride('Transpose', transpose);

/**
 * Replaces the wasm `Transpose` kernel with the one above (idempotent); the stock one stays in
 * use for ranks <= 4 and can be put back with `restoreStockTranspose`.
 *
 * @example
 * ```ts
 * installTransposeOverride();
 * tf.transpose(qkv, [2, 0, 3, 1, 4]); // [batch, seq, 3, heads, dHead] -> [3, batch, heads, seq, dHead]
 * ```
 */
export function installTransposeOverride(): void {
  override.install();
}

/**
 * Puts the stock wasm `Transpose` kernel back (benchmarks and tests).
 *
 * @example
 * ```ts
 * restoreStockTranspose();
 * ```
 */
export function restoreStockTranspose(): void {
  override.restore();
}
