import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { makeHeapView, releaseHeapView, type HeapView } from './heap-view.js';
import { wasmKernelOverride } from './override.js';
import { denseLayout, hasMatMulHelper, runMatMul } from './simd/matmul-threads.js';
import { simdSwitches } from './simd/switches.js';
import { cwrap, disposeTemp, wasmKernel, type WasmKernelArgs } from './wasm-backend-types.js';

/**
 * A faster `BatchMatMul` for tfjs-backend-wasm 4.22, same results as the stock kernel (to float rounding).
 *
 * Why: the stock kernel uses XNNPACK only when neither input is transposed and neither is batched;
 * every other case falls into a scalar triple loop that is ~10x slower (every backward matmul is
 * transposed, and attention's [batch, heads, seq, dHead] matmuls are batched). This kernel takes, in order:
 *  1. the SIMD kernel of `scripts/simd/kernels-wat.ts` (`trySimdMatMul`) when the shapes suit it: rows a multiple of 4,
 *     n of 8, `b` un-batched or batched like `a`. A transposed `b` is read in place while it is packed; a
 *     transposed `a` is transposed first. On the threaded build it splits the rows over two threads.
 *  2. otherwise XNNPACK: a transposed operand is first transposed with the wasm `Transpose` kernel (cheap,
 *     memory-bound); the batch folds into the rows when `b` is not batched ([batch*m, k] x [k, n] is one call),
 *     else one call per batch slice on zero-copy views of the operands and output (batches of tiny matrices
 *     stay on the stock kernel, see `minSliceMacs`).
 * It also fixes two stock bugs: a wrongly sized output when both batches broadcast
 * ([2,1,m,k] x [1,3,k,n]), and stale XNNPACK packing when one buffer is used as `b` under two
 * shapes. Anything else (non-float32, bad shapes) goes to the stock kernel and its error messages.
 */

/** The C++ `BatchMatMul(a_id, a_shape, a_rank, b_id, b_shape, b_rank, transpose_a, transpose_b, out_id)`. */
type CppBatchMatMul = (
  aId: number,
  aShape: Uint8Array,
  aRank: number,
  bId: number,
  bShape: Uint8Array,
  bRank: number,
  transposeA: boolean,
  transposeB: boolean,
  outId: number,
) => void;
const cppBatchMatMul = new WeakMap<object, CppBatchMatMul>();

function cppFor(backend: BackendWasm): CppBatchMatMul {
  let fn = cppBatchMatMul.get(backend.wasm);
  if (fn === undefined) {
    const arg = ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number', 'number'];
    fn = cwrap(backend, 'BatchMatMul', arg) as CppBatchMatMul;
    cppBatchMatMul.set(backend.wasm, fn);
  }
  return fn;
}

const size = (shape: number[]): number => shape.reduce((p, d) => p * d, 1);
const shapeBytes = (shape: number[]): Uint8Array => new Uint8Array(new Int32Array(shape).buffer);

/**
 * `x` with its last two axes swapped, as a new wasm tensor: [..., r, c] -> [..., c, r]. Release it with `disposeTemp`.
 *
 * @example
 * ```ts
 * const bT = swapLastTwo(backend, b);
 * ```
 */
export function swapLastTwo(backend: BackendWasm, x: tf.TensorInfo): tf.TensorInfo {
  const perm = x.shape.map((_, i) => i);
  const r = perm.length;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return wasmKernel('Transpose')({ inputs: { x }, backend, attrs: { perm } });
}

/**
 * For each flat index into the broadcast batch `outBatch`, the flat index into `srcBatch`
 * (numpy broadcasting: `srcBatch` is right-aligned, size-1 axes repeat).
 */
function broadcastSources(outBatch: number[], srcBatch: number[]): Int32Array {
  const src = [...new Array<number>(outBatch.length - srcBatch.length).fill(1), ...srcBatch];
  const result = new Int32Array(size(outBatch));
  for (let o = 0; o < result.length; o++) {
    let rest = o;
    let index = 0;
    let stride = 1;
    for (let d = outBatch.length - 1; d >= 0; d--) {
      const i = rest % outBatch[d];
      rest = Math.floor(rest / outBatch[d]);
      if (src[d] !== 1) index += i * stride;
      stride *= src[d];
    }
    result[o] = index;
  }
  return result;
}

/**
 * out[o] = a[srcA[o]] @ b[srcB[o]] for every batch slice, each an un-batched XNNPACK matmul on
 * views. Views are made once per distinct slice, so a broadcast `b` slice keeps its packed weights.
 */
function slicedMatMul(backend: BackendWasm, a: tf.TensorInfo, b: tf.TensorInfo, outShape: number[], bOperand?: HeapView): tf.TensorInfo {
  const [m, k] = a.shape.slice(-2);
  const n = b.shape[b.shape.length - 1];
  const outBatch = outShape.slice(0, -2);
  const srcA = broadcastSources(outBatch, a.shape.slice(0, -2));
  const srcB = broadcastSources(outBatch, b.shape.slice(0, -2));
  const out = backend.makeOutput(outShape, 'float32');
  const views: HeapView[] = [];
  const viewsA = new Map<number, HeapView>();
  const viewsB = new Map<number, HeapView>();
  const viewOf = (cache: Map<number, HeapView>, base: tf.TensorInfo, slice: number, shape: number[]): HeapView => {
    let view = cache.get(slice);
    if (view === undefined) {
      view = makeHeapView(backend, base, slice * size(shape), shape);
      cache.set(slice, view);
      views.push(view);
    }
    return view;
  };
  const cpp = cppFor(backend);
  const [aShape, bShape] = [shapeBytes([1, m, k]), shapeBytes([1, k, n])];
  try {
    for (let o = 0; o < srcA.length; o++) {
      const va = viewOf(viewsA, a, srcA[o], [1, m, k]); // [1, m, k]
      const vb = bOperand ?? viewOf(viewsB, b, srcB[o], [1, k, n]); // [1, k, n]
      const vo = makeHeapView(backend, out, o * m * n, [1, m, n]);
      views.push(vo);
      cpp(va.id, aShape, 3, vb.id, bShape, 3, false, false, vo.id);
    }
  } finally {
    for (const view of views) releaseHeapView(backend, view);
  }
  return out;
}

/**
 * The shape XNNPACK first packed each un-batched `b` buffer with. The C++ side caches the packed
 * operator per tensor id and keys it without the shape, and a reshape keeps the id; so a buffer
 * seen again with another [k, n] gets a fresh view id instead of a stale operator.
 */
const packedShape = new WeakMap<object, string>();

/** `b` under its own id when reusing XNNPACK's cached packing of it is safe, else undefined. */
function cachedOperand(backend: BackendWasm, b: tf.TensorInfo): HeapView | undefined {
  const key = b.shape.join('x');
  const seen = packedShape.get(b.dataId);
  if (seen !== undefined && seen !== key) return undefined;
  packedShape.set(b.dataId, key);
  return { info: b, id: backend.dataIdMap.get(b.dataId).id };
}

/**
 * a [...batchA, m, k] @ b [...batchB, k, n], both untransposed float32, batches broadcast.
 */
function untransposedMatMul(backend: BackendWasm, a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo {
  const [m, k] = a.shape.slice(-2);
  const n = b.shape[b.shape.length - 1];
  const outBatch = tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const outShape = [...outBatch, m, n];
  const batchA = size(a.shape.slice(0, -2));
  if (size(b.shape.slice(0, -2)) === 1 && batchA === size(outBatch)) {
    // b is not batched: [batchA*m, k] x [k, n] is a single XNNPACK call. The shapes below only
    // relabel the existing buffers (a is row-major, so its batches are just more rows). b keeps
    // its id where safe, so weights stay packed across calls (matters for small m).
    const a2d = { dataId: a.dataId, shape: [batchA * m, k], dtype: a.dtype };
    const b2d = { dataId: b.dataId, shape: [k, n], dtype: b.dtype };
    const out = slicedMatMul(backend, a2d, b2d, [batchA * m, n], cachedOperand(backend, b2d));
    return { ...out, shape: outShape };
  }
  return slicedMatMul(backend, a, b, outShape);
}

/**
 * Whether a @ b is a float32 matmul of non-empty operands of rank >= 2 with matching inner sizes (the cases the
 * overrides handle; anything else goes to the stock kernel and its error messages).
 *
 * @example
 * ```ts
 * if (!plainMatMul(a, b, transposeA, transposeB)) return stock(args);
 * ```
 */
export function plainMatMul(a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean): boolean {
  const innerA = a.shape[a.shape.length - (transposeA ? 2 : 1)];
  const innerB = b.shape[b.shape.length - (transposeB ? 1 : 2)];
  return (
    a.dtype === 'float32' &&
    b.dtype === 'float32' &&
    a.shape.length >= 2 &&
    b.shape.length >= 2 &&
    size(a.shape) > 0 &&
    size(b.shape) > 0 &&
    innerA === innerB
  );
}

/**
 * Whether the SIMD kernel takes this matmul: a's batch folds into rows (b un-batched) or both batches are equal,
 * rows a multiple of 4 and n of 8. (On the threaded build the kernel runs on two threads, see `runMatMul`.)
 */
function simdShaped(aShape: number[], bShape: number[], transposeA: boolean, transposeB: boolean): boolean {
  if (!simdSwitches.matmul) return false;
  const [batchA, batchB] = [size(aShape.slice(0, -2)), size(bShape.slice(0, -2))];
  const m = aShape[aShape.length - (transposeA ? 1 : 2)];
  const n = bShape[bShape.length - (transposeB ? 2 : 1)];
  const sameBatch = batchA === batchB && aShape.length === bShape.length && aShape.slice(0, -2).every((d, i) => d === bShape[i]);
  if (batchB === 1) return (batchA * m) % 4 === 0 && n % 8 === 0;
  return sameBatch && m % 4 === 0 && n % 8 === 0;
}

/**
 * a @ b (+ `bias` [n]) by the SIMD kernel of `scripts/simd/kernels-wat.ts` when `simdShaped` accepts the shapes, else
 * undefined. A transposed `a` is transposed first; a transposed `b` is read as it is while B is packed into a
 * scratch tensor.
 *
 * @example
 * ```ts
 * const out = trySimdMatMul(backend, a, b, false, true) ?? stock(args);
 * ```
 */
export function trySimdMatMul(
  backend: BackendWasm,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  bias?: tf.TensorInfo,
): tf.TensorInfo | undefined {
  if (!simdShaped(a.shape, b.shape, transposeA, transposeB)) return undefined;
  const n = b.shape[b.shape.length - (transposeB ? 2 : 1)];
  if (bias !== undefined && (bias.dtype !== 'float32' || bias.shape.length !== 1 || bias.shape[0] !== n)) return undefined;
  const temps: tf.TensorInfo[] = [];
  try {
    const a2 = transposeA ? swapLastTwo(backend, a) : a;
    if (transposeA) temps.push(a2);
    const [m, k] = a2.shape.slice(-2);
    const batchB = size(b.shape.slice(0, -2));
    const outBatch = tf.backend_util.assertAndGetBroadcastShape(a2.shape.slice(0, -2), b.shape.slice(0, -2));
    const out = backend.makeOutput([...outBatch, m, n], 'float32');
    const panel = backend.makeOutput([(hasMatMulHelper(backend) ? 2 : 1) * k * n], 'float32'); // one per thread
    temps.push(panel);
    const at = (t: tf.TensorInfo) => backend.getMemoryOffset(t.dataId);
    // With b un-batched, a's batches are just more rows of one [batch*m, k] matrix.
    const [batch, rows] = batchB === 1 ? [1, size(a2.shape.slice(0, -1))] : [batchB, m];
    runMatMul(backend, {
      a: at(a2),
      b: at(b),
      c: at(out),
      panel: at(panel),
      batch,
      m: rows,
      k,
      n,
      bTransposed: transposeB ? 1 : 0,
      bias: bias ? at(bias) : 0,
      ...denseLayout(rows, k, n, transposeB),
    });
    return out;
  } finally {
    for (const t of temps) disposeTemp(backend, t);
  }
}

function batchMatMul(args: WasmKernelArgs<'a' | 'b', tf.BatchMatMulAttrs>): tf.TensorInfo {
  const { inputs, backend } = args;
  const { a, b } = inputs;
  const { transposeA, transposeB } = args.attrs;
  if (!plainMatMul(a, b, transposeA, transposeB)) return override.stock()(args);
  const innerA = a.shape[a.shape.length - (transposeA ? 2 : 1)];
  const simd = trySimdMatMul(backend, a, b, transposeA, transposeB);
  if (simd !== undefined) return simd;
  const temps: tf.TensorInfo[] = [];
  const untransposed = (x: tf.TensorInfo, transposed: boolean): tf.TensorInfo => {
    if (!transposed) return x;
    const xT = swapLastTwo(backend, x);
    temps.push(xT);
    return xT;
  };
  try {
    const m = a.shape[a.shape.length - (transposeA ? 1 : 2)];
    const n = b.shape[b.shape.length - (transposeB ? 2 : 1)];
    const [batchA, batchB] = [size(a.shape.slice(0, -2)), size(b.shape.slice(0, -2))];
    // The stock kernel sizes its output max(batchA, batchB): right unless both sides broadcast.
    const stockSized = batchA === batchB || batchA === 1;
    if (batchB > 1 && m * innerA * n < minSliceMacs && stockSized) return override.stock()(args);
    return untransposedMatMul(backend, untransposed(a, transposeA), untransposed(b, transposeB));
  } finally {
    for (const t of temps) disposeTemp(backend, t);
  }
}

/**
 * Below this many multiply-adds per batch slice (m*k*n) a batched matmul stays on the stock
 * kernel: per-slice XNNPACK setup (~10 us) then costs more than the stock loop saves.
 * Measured on [batch, s, s] x [batch, s, s]: even at s=16, 3x faster at s=32.
 *
 * @example
 * ```ts
 * const perSlice = 128 * 64 * 128 >= minSliceMacs; // attention scores take the XNNPACK path
 * ```
 */
export const minSliceMacs = 8192;

const override = wasmKernelOverride('BatchMatMul', batchMatMul);

/**
 * Replaces the wasm `BatchMatMul` kernel with the faster one above (idempotent). The stock kernel
 * stays available to it for delegation and to `restoreStockBatchMatMul`.
 *
 * @example
 * ```ts
 * await tf.setBackend('wasm');
 * installBatchMatMulOverride();
 * tf.matMul(a, b, false, true); // now an XNNPACK call on a transposed copy of b
 * ```
 */
export function installBatchMatMulOverride(): void {
  override.install();
}

/**
 * Puts the stock wasm `BatchMatMul` kernel back (for benchmarks and tests comparing the two).
 *
 * @example
 * ```ts
 * restoreStockBatchMatMul();
 * const reference = tf.matMul(a, b, true, false);
 * installBatchMatMulOverride();
 * ```
 */
export function restoreStockBatchMatMul(): void {
  override.restore();
}

/** Whether the override is the registered wasm `BatchMatMul`. @example `expect(isBatchMatMulOverridden()).toBe(true);` */
export function isBatchMatMulOverridden(): boolean {
  return override.installed();
}
