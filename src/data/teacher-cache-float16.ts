/**
 * IEEE 754 half precision <-> float32, for teacher caches stored as `float16` (half the bytes; logits keep
 * ~3 significant digits, relative error <= 2^-11, which is far below the noise of a softened teacher).
 * Written here because tfjs has no float16 host arrays and Node 20 has no `Float16Array`.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * The 16-bit pattern of `x` as a half, rounded to nearest (ties to even). Overflow gives +-Infinity, values below
 * half's smallest subnormal give +-0, NaN stays NaN.
 *
 * @example
 * ```ts
 * toFloat16Bits(1); // 0x3c00
 * toFloat16Bits(65504); // 0x7bff, the largest finite half
 * ```
 */
export function toFloat16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const e = exp - 127 + 15; // rebias: half exponent
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half: value = m * 2^-24 with m = (1.mant) * 2^(e - 14) * 2^10, i.e. the 24-bit significand >> (14 - e).
    if (e < -10) return sign;
    return sign | roundShift(mant | 0x800000, 14 - e);
  }
  // Normal: keep 10 of 23 mantissa bits. A carry out of the mantissa correctly bumps the exponent (up to Infinity).
  return (sign | (e << 10)) + roundShift(mant, 13);
}

/** `value >> shift`, rounded to nearest with ties to even. */
function roundShift(value: number, shift: number): number {
  const kept = Math.floor(value / 2 ** shift);
  const rest = value - kept * 2 ** shift;
  const half = 2 ** (shift - 1);
  return rest > half || (rest === half && (kept & 1) === 1) ? kept + 1 : kept;
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
