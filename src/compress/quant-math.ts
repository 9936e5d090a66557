/**
 * The weight quantization math of `tensorflowjs_converter --quantize_uint8/uint16/float16`
 * (tfjs-converter `quantization.py`), reproduced operation by operation.
 *
 * uint8/uint16: per-tensor affine, scale = (max - min) / (2^bits - 1) computed in float64. When 0 lies in
 * [min, max] the range is "nudged" (as TF-Lite does) so that 0 is exactly representable:
 * zeroPoint = round((0 - min) / scale), min' = -zeroPoint * scale. Values are clipped to [min', max'] and
 * stored as round((v - min') / scale). The converter runs that last step with numpy 1.x on a float32 array,
 * so the subtraction and division happen in float32 (numpy's value-based casting turns the float64 scalars
 * into float32); `Math.fround` reproduces that. Rounding is numpy's: half to even.
 * TF.js decodes q * scale + min in float64 and stores the result as float32.
 */
import { float32ToFloat16, fromFloat16Bits } from '../util/float16.js';
import { roundHalfEven } from '../util/round-half-even.js';

/**
 * Storage dtypes a weight can have in a TF.js weights manifest.
 */
export type WeightDtype = 'float32' | 'float16' | 'uint16' | 'uint8';

/** Every {@link WeightDtype}, most compressive first. */
export const WEIGHT_DTYPES: readonly WeightDtype[] = ['uint8', 'uint16', 'float16', 'float32'];

/** Bytes per stored value of each dtype. */
export const BYTES_PER_VALUE: Record<WeightDtype, number> = { uint8: 1, uint16: 2, float16: 2, float32: 4 };

/**
 * An affine-quantized tensor: the stored integers and the manifest's `{ scale, min }`.
 *
 * @example
 * ```ts
 * const { values, scale, min } = affineQuantize(new Float32Array([-1, 0, 1]), 'uint8');
 * ```
 */
export interface AffineQuantized {
  values: Uint8Array | Uint16Array;
  scale: number;
  min: number;
}

/**
 * Quantizes float32 values like the converter's `quantize_weights(data, np.uint8 | np.uint16)`.
 *
 * @example
 * ```ts
 * affineQuantize(new Float32Array([-1, 0, 2]), 'uint8'); // { values: [0, 85, 255], scale: 3/255, min: -1 }
 * ```
 */
export function affineQuantize(data: Float32Array, dtype: 'uint8' | 'uint16'): AffineQuantized {
  const quantMax = dtype === 'uint8' ? 255 : 65535;
  const values = dtype === 'uint8' ? new Uint8Array(data.length) : new Uint16Array(data.length);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (data.length === 0 || lo === hi) return { values, scale: 1, min: data.length === 0 ? 0 : lo };
  const scale = (hi - lo) / quantMax;
  let nudgedMin = lo;
  let nudgedMax = hi;
  if (lo <= 0 && 0 <= hi) {
    const zeroPoint = roundHalfEven((0 - lo) / scale);
    nudgedMin = -zeroPoint * scale;
    nudgedMax = quantMax * scale + nudgedMin;
  }
  const fMin = Math.fround(nudgedMin);
  const fMax = Math.fround(nudgedMax);
  const fScale = Math.fround(scale);
  for (let i = 0; i < data.length; i++) {
    const clipped = Math.min(Math.max(data[i], fMin), fMax);
    values[i] = roundHalfEven(Math.fround(Math.fround(clipped - fMin) / fScale));
  }
  return { values, scale, min: nudgedMin };
}

/**
 * What TF.js's `decodeWeights` gives back for an affine-quantized tensor: float32(q * scale + min).
 *
 * @example
 * ```ts
 * affineDequantize(affineQuantize(w, 'uint8')); // Float32Array close to w
 * ```
 */
export function affineDequantize(q: AffineQuantized): Float32Array {
  const out = new Float32Array(q.values.length);
  for (let i = 0; i < out.length; i++) out[i] = q.values[i] * q.scale + q.min;
  return out;
}

/**
 * The float32 values a weight stored as `dtype` decodes to in TF.js (identity for float32).
 *
 * @example
 * ```ts
 * const seen = roundTrip(kernelValues, 'float16');
 * ```
 */
export function roundTrip(data: Float32Array, dtype: WeightDtype): Float32Array {
  if (dtype === 'float32') return data;
  if (dtype === 'float16') return Float32Array.from(float32ToFloat16(data), fromFloat16Bits);
  return affineDequantize(affineQuantize(data, dtype));
}
