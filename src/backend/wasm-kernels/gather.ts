import * as tf from '@tensorflow/tfjs';
import { wasmKernelOverride } from './override.js';
import type { WasmKernelArgs } from './wasm-backend-types.js';

/**
 * A faster `GatherV2` for tfjs-backend-wasm 4.22 (the embedding lookup).
 *
 * Why: the stock C++ kernel computes every output element's source offset from strides, one element at
 * a time; an embedding lookup of 32 x 128 ids in an [8000, 128] table took 28-46 ms there (~2-3 ms here), a
 * tenth of the benchmark student's whole forward pass. A gather copies whole rows, so this kernel works in JS
 * directly on the wasm heap and copies each `x[outer, index, :]` slice with one `TypedArray.set`.
 * Indices are checked first, with the stock kernel's message. It also gets `batchDims > 0` right, which the
 * stock 4.22 kernel does not (it gathers from the first batch only). Dtypes other than float32/int32/bool go to
 * the stock kernel.
 */

function gatherV2(args: WasmKernelArgs<'x' | 'indices', tf.GatherV2Attrs>): tf.TensorInfo {
  const {
    inputs: { x, indices },
    backend,
    attrs: { axis, batchDims },
  } = args;
  if (x.dtype !== 'float32' && x.dtype !== 'int32' && x.dtype !== 'bool') {
    return override.stock()(args);
  }
  // x: [batch..., outer..., dim, slice...]; indices: [batch..., ids...] (batchDims leading axes shared).
  const a = tf.util.parseAxisParam(axis, x.shape)[0];
  const info = tf.backend_util.segment_util.collectGatherOpShapeInfo(x as tf.Tensor, indices as tf.Tensor, a, batchDims);
  const { batchSize, outerSize, dimSize: dim, sliceSize: slice } = info;
  const count = tf.util.sizeFromShape(indices.shape);
  // Copied out of the heap: allocating the output below may grow it, which detaches earlier views.
  const ids = backend.typedArrayFromHeap(indices).slice(0, count);
  for (let i = 0; i < count; i++) {
    const index = ids[i];
    if (!(index >= 0 && index <= dim - 1)) throw new Error(`GatherV2: the index value ${index} is not in [0, ${dim - 1}]`);
  }
  const out = backend.makeOutput(info.outputShape, x.dtype);
  if (count === 0 || tf.util.sizeFromShape(x.shape) === 0) return out;
  const dst = backend.typedArrayFromHeap(out);
  const src = backend.typedArrayFromHeap(x);
  const perBatch = count / batchSize;
  let at = 0; // output order: [batch, outer, perBatch, slice]
  for (let b = 0; b < batchSize; b++) {
    for (let o = 0; o < outerSize; o++) {
      const base = (b * outerSize + o) * dim;
      for (let i = b * perBatch; i < (b + 1) * perBatch; i++, at += slice) {
        const from = (base + ids[i]) * slice;
        if (slice === 1) dst[at] = src[from];
        else dst.set(src.subarray(from, from + slice), at);
      }
    }
  }
  return out;
}

const override = wasmKernelOverride('GatherV2', gatherV2);

/**
 * Replaces the wasm `GatherV2` kernel with the row-copying one above (idempotent); the stock one can be put
 * back with `restoreStockGather`.
 *
 * @example
 * ```ts
 * installGatherOverride();
 * tf.gather(embeddingTable, ids.reshape([-1])); // [batch * seq, d], one row copy per id
 * ```
 */
export function installGatherOverride(): void {
  override.install();
}

/**
 * Puts the stock wasm `GatherV2` kernel back (benchmarks and tests).
 *
 * @example
 * ```ts
 * restoreStockGather();
 * ```
 */
export function restoreStockGather(): void {
  override.restore();
}
