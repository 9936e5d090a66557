/**
 * Row records of the teacher cache payload: encoding a batch of logits into bytes and decoding one row back.
 * Layout per row (see `teacher-cache-format.ts`): full = C values; top-k = K values (largest first), K indices.
 */
import { fromFloat16Bits, toFloat16Bits } from '../../util/float16.js';
import { indexBytes, rowBytes, valueBytes, type TeacherCacheHeader } from './format.js';

/**
 * A top-k row of the cache: the K largest teacher logits and their class indices, largest first (plain arrays;
 * the losses' `TopKLogits` holds the same as tensors for a batch).
 *
 * @example
 * ```ts
 * const { values, indices } = cache.getTopK(7); // values[0] is the logit of class indices[0]
 * ```
 */
export interface TopKRow {
  values: Float32Array;
  indices: Int32Array;
}

type Layout = Pick<TeacherCacheHeader, 'numClasses' | 'topK' | 'dtype'>;

/**
 * Encodes `rows` rows of logits ([rows, numClasses], row-major) as payload records.
 *
 * @example
 * ```ts
 * const bytes = encodeRows(logits, 32, { numClasses: 2, topK: 0, dtype: 'float16' }); // 32 * 4 bytes
 * ```
 */
export function encodeRows(logits: ArrayLike<number>, rows: number, layout: Layout): Uint8Array {
  const { numClasses: c, topK, dtype } = layout;
  const bytes = new Uint8Array(rows * rowBytes(layout));
  const view = new DataView(bytes.buffer);
  const vb = valueBytes(dtype);
  const ib = indexBytes(c);
  const putValue = (offset: number, x: number) =>
    vb === 2 ? view.setUint16(offset, toFloat16Bits(x), true) : view.setFloat32(offset, x, true);
  let offset = 0;
  const order = new Int32Array(c);
  for (let r = 0; r < rows; r++) {
    const base = r * c;
    if (topK === 0) {
      for (let j = 0; j < c; j++, offset += vb) putValue(offset, logits[base + j]);
      continue;
    }
    // Largest first; equal logits keep the lower class index first, so the order never depends on the sort.
    for (let j = 0; j < c; j++) order[j] = j;
    order.sort((a, b) => logits[base + b] - logits[base + a] || a - b);
    for (let j = 0; j < topK; j++, offset += vb) putValue(offset, logits[base + order[j]]);
    for (let j = 0; j < topK; j++, offset += ib) {
      if (ib === 2) view.setUint16(offset, order[j], true);
      else view.setUint32(offset, order[j], true);
    }
  }
  return bytes;
}

/** Reads the value at `offset` of a payload view. */
function getValue(view: DataView, offset: number, dtype: Layout['dtype']): number {
  return dtype === 'float16' ? fromFloat16Bits(view.getUint16(offset, true)) : view.getFloat32(offset, true);
}

/**
 * Decodes full logits of row record `row` (0-based within the payload) -> Float32Array [numClasses].
 *
 * @example
 * ```ts
 * const logits = decodeFullRow(payloadView, 3, header);
 * ```
 */
export function decodeFullRow(view: DataView, row: number, layout: Layout): Float32Array {
  const vb = valueBytes(layout.dtype);
  const start = row * rowBytes(layout);
  const out = new Float32Array(layout.numClasses);
  for (let j = 0; j < out.length; j++) out[j] = getValue(view, start + j * vb, layout.dtype);
  return out;
}

/**
 * Decodes a top-k row record.
 *
 * @example
 * ```ts
 * const { values, indices } = decodeTopKRow(payloadView, 3, header);
 * ```
 */
export function decodeTopKRow(view: DataView, row: number, layout: Layout): TopKRow {
  const vb = valueBytes(layout.dtype);
  const ib = indexBytes(layout.numClasses);
  const start = row * rowBytes(layout);
  const values = new Float32Array(layout.topK);
  const indices = new Int32Array(layout.topK);
  for (let j = 0; j < layout.topK; j++) {
    values[j] = getValue(view, start + j * vb, layout.dtype);
    const at = start + layout.topK * vb + j * ib;
    indices[j] = ib === 2 ? view.getUint16(at, true) : view.getUint32(at, true);
  }
  return { values, indices };
}

/**
 * The first stored value that is NaN or ±Inf, as (row record, position within the row's values), or undefined.
 * Reads values in place, without allocating per row, so scanning a million-row cache on load stays cheap.
 *
 * @example
 * ```ts
 * const bad = findNonFinite(payloadView, header.rowEnd - header.rowStart, header); // { row: 3, position: 1 }
 * ```
 */
export function findNonFinite(view: DataView, rows: number, layout: Layout): { row: number; position: number } | undefined {
  const vb = valueBytes(layout.dtype);
  const perRow = layout.topK > 0 ? layout.topK : layout.numClasses;
  const stride = rowBytes(layout);
  for (let row = 0; row < rows; row++) {
    for (let j = 0; j < perRow; j++) {
      if (!Number.isFinite(getValue(view, row * stride + j * vb, layout.dtype))) return { row, position: j };
    }
  }
  return undefined;
}
