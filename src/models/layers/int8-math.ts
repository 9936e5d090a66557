/**
 * The int8 inference math of `quantize --dtype int8`, in plain JS: weights quantized per output column, the packed
 * panel layout the wasm kernels read (`scripts/simd/int8-wat.ts`), and the per-row activation quantization.
 *
 *  - weights W [k, n]: t_j = max_p |W[p, j]| / 63 (float32), w[p, j] = rint(W[p, j] / t_j) in [-63, 63] (0 for an
 *    all-zero column, whose scale is 0). Seven bits, as ONNX Runtime's `reduce_range`: relaxed SIMD's 8-bit dot
 *    product (`i32x4.relaxed_dot_i8x16_i7x16_add_s`, one VNNI instruction for 16 products) takes one operand in
 *    [0, 127], so the kernel feeds it w + 64 and subtracts 64 * sum_p q[i, p]; both kernels then compute the same
 *    integer sums, and the same outputs;
 *  - activations x [m, k], per row at run time: s_i = max_p |x[i, p]| / 127, q[i, p] = rint(x[i, p] * (127 / max))
 *    (float32 products, 0 for an all-zero row);
 *  - y[i, j] = float32(sum_p q[i, p] w[p, j]) * (s_i * t_j) + bias[j].
 * Rounding is to nearest, ties to even (wasm's `f32x4.nearest`, numpy's `rint`).
 */
import { roundHalfEven } from '../../util/round-half-even.js';

/** The largest magnitude of a quantized activation (symmetric: -127..127, so negation never overflows). */
export const ACTIVATION_MAX = 127;
/** The largest magnitude of a quantized weight (seven bits: w + 64 fits relaxed SIMD's unsigned 7-bit operand). */
export const WEIGHT_MAX = 63;

/**
 * A weight matrix quantized per output column.
 *
 * @example
 * ```ts
 * const { values, scales } = quantizeColumns(kernel, 128, 512);
 * ```
 */
export interface Int8Columns {
  /** w [k, n] row-major, in [-63, 63]. */
  values: Int8Array;
  /** t [n]. */
  scales: Float32Array;
}

/**
 * Quantizes W [k, n] (row-major float32) per output column.
 *
 * @example
 * ```ts
 * quantizeColumns(new Float32Array([1, -2, 0.5, 1]), 2, 2); // values [63, -63, 32, 32], scales [1/63, 2/63]
 * ```
 */
export function quantizeColumns(weights: Float32Array, k: number, n: number): Int8Columns {
  const values = new Int8Array(k * n);
  const scales = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    let max = 0;
    for (let p = 0; p < k; p++) max = Math.max(max, Math.abs(weights[p * n + j]));
    const scale = Math.fround(max / WEIGHT_MAX);
    scales[j] = scale;
    if (scale === 0) continue;
    for (let p = 0; p < k; p++) {
      const q = roundHalfEven(Math.fround(weights[p * n + j] / scale));
      values[p * n + j] = Math.max(-WEIGHT_MAX, Math.min(WEIGHT_MAX, q));
    }
  }
  return { values, scales };
}

/** k rounded up to a multiple of 4 and n to a multiple of 8: the panel's padded sizes (padding holds zeros). */
export const panelDims = (k: number, n: number): [number, number] => [Math.ceil(k / 4) * 4, Math.ceil(n / 8) * 8];

/**
 * Byte index of w[p, j] in the packed panel: columns in blocks of 8 (block b starts at b * 8 kPad), each block a
 * run of kPad / 4 steps of 32 bytes; step p/4 holds w[p..p+3, j] for the block's columns 0..3 (4 bytes each), then
 * for its columns 4..7.
 */
const panelIndex = (p: number, j: number, kPad: number): number =>
  (j >> 3) * 8 * kPad + (p >> 2) * 32 + ((j >> 2) & 1) * 16 + (j & 3) * 4 + (p & 3);

/**
 * Packs w [k, n] into the panel layout the wasm kernel reads, as int32 words (4 bytes each, little-endian) so that
 * it can be stored and loaded as a TF.js int32 weight: kPad * nPad / 4 words (see {@link panelDims}).
 *
 * @example
 * ```ts
 * const words = packPanel(values, 128, 512); // Int32Array(128 * 512 / 4)
 * ```
 */
export function packPanel(values: Int8Array, k: number, n: number): Int32Array {
  const [kPad, nPad] = panelDims(k, n);
  const words = new Int32Array((kPad * nPad) / 4);
  const bytes = new Int8Array(words.buffer);
  for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) bytes[panelIndex(p, j, kPad)] = values[p * n + j];
  return words;
}

/**
 * The inverse of {@link packPanel}: w [k, n] from the panel's words.
 *
 * @example
 * ```ts
 * const values = unpackPanel(packPanel(values, k, n), k, n);
 * ```
 */
export function unpackPanel(words: Int32Array, k: number, n: number): Int8Array {
  const [kPad] = panelDims(k, n);
  const bytes = new Int8Array(words.buffer, words.byteOffset, words.byteLength);
  const values = new Int8Array(k * n);
  for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) values[p * n + j] = bytes[panelIndex(p, j, kPad)];
  return values;
}
