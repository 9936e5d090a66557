/**
 * IEEE 754 half precision <-> float32: the tfjs converter's `--quantize_float16` weights (read back by
 * `tf.io.decodeWeights` with `quantization: { dtype: 'float16' }`), teacher caches stored as `float16`, and float16
 * outputs of ONNX teachers. Written here because tfjs has no float16 host arrays and Node 20 has no `Float16Array`.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * Encodes each value to its half-precision bit pattern with round-to-nearest-even (numpy's
 * `astype(float16)`): overflow goes to +-Infinity, tiny values to subnormals or signed zero, NaN stays NaN.
 * The result is a native-endian Uint16Array (little-endian on every platform tfjs runs on).
 *
 * @example
 * ```ts
 * float32ToFloat16(new Float32Array([1, -2, 65504])); // Uint16Array [0x3c00, 0xc000, 0x7bff]
 * ```
 */
export function float32ToFloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = toFloat16Bits(values[i]);
  return out;
}

/**
 * The 16-bit pattern of `v` as a half, rounded to nearest (ties to even). Overflow gives +-Infinity, values below
 * half's smallest subnormal give +-0, NaN stays NaN.
 *
 * @example
 * ```ts
 * toFloat16Bits(1); // 0x3c00
 * toFloat16Bits(65504); // 0x7bff, the largest finite half
 * ```
 */
export function toFloat16Bits(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0); // Inf or (quiet) NaN
  const e = exp - 127 + 15; // half-precision biased exponent
  if (e >= 0x1f) return sign | 0x7c00; // too big: Infinity
  if (e <= 0) {
    // Subnormal half: value * 2^24 = (1.mant) * 2^(e + 10); below 2^-25 everything rounds to zero.
    if (e < -10) return sign;
    return sign | roundShift(mant | 0x800000, 14 - e);
  }
  // Normal: drop 13 mantissa bits; a rounding carry correctly bumps the exponent (even into Infinity).
  return sign | roundShift((e << 23) | mant, 13);
}

/** `v >> s` rounded to nearest, ties to even. */
function roundShift(v: number, s: number): number {
  const q = v >>> s;
  const rem = v & ((1 << s) - 1);
  const half = 1 << (s - 1);
  return rem > half || (rem === half && (q & 1) === 1) ? q + 1 : q;
}

/**
 * The number a 16-bit half pattern stands for (exactly representable as float32).
 *
 * @example
 * ```ts
 * fromFloat16Bits(0x3555); // 0.333251953125
 * ```
 */
export function fromFloat16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 0x1f) return m !== 0 ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}
