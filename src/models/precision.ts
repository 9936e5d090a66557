import * as tf from '@tensorflow/tfjs';
import { TfdistillError } from '../errors.js';

/**
 * Mixed-precision emulation. TF.js on CPU/wasm computes in float32 only, so half precision is
 * emulated: values are rounded to the nearest float16 / bfloat16 number (IEEE round-to-nearest-even)
 * and kept in float32 storage. Master weights stay float32; the rounding has a straight-through
 * gradient, as in real mixed-precision training where the optimizer updates the float32 copy.
 */
export type ComputePrecision = 'float32' | 'float16' | 'bfloat16';

/** Float format description: mantissa bits (without the implicit 1), exponent range. */
interface HalfFormat {
  mantissaBits: number;
  /** Exponent of the smallest normal number; below it the spacing stays 2^(minExp - mantissaBits). */
  minExp: number;
  maxExp: number;
  /** Largest finite value; anything that rounds above it becomes +-Inf. */
  maxFinite: number;
  /** Inputs are clamped here first (keeps the exponent maths finite); it still rounds above maxFinite. */
  clampAt: number;
}

const FLOAT16: HalfFormat = { mantissaBits: 10, minExp: -14, maxExp: 15, maxFinite: 65504, clampAt: 65536 };
// bfloat16 shares float32's exponent range: float32's largest values round up to 2^128 = Inf.
const BFLOAT16: HalfFormat = {
  mantissaBits: 7,
  minExp: -126,
  maxExp: 127,
  maxFinite: 3.3895313892515355e38,
  clampAt: 3.4028234663852886e38,
};

/**
 * Rounds |x| to the format exactly, with float32 ops only (TF.js has no bitcast):
 * e = floor(log2|x|) (corrected by one where log is inexact near powers of two), clamped to the
 * subnormal floor; ulp = 2^(e - mantissaBits); result = roundHalfEven(|x| / ulp) * ulp. Every
 * multiplication/division by a power of two is exact, and `tf.round` is banker's rounding, so the
 * only rounding step is the round-to-nearest-even one.
 */
function roundToFormat(x: tf.Tensor, fmt: HalfFormat): tf.Tensor {
  return tf.tidy(() => {
    const a = tf.abs(x);
    // Inf/huge inputs are clamped to a finite value that still rounds to Inf below.
    const aClamped = tf.minimum(a, fmt.clampAt);
    let e = tf.floor(tf.div(tf.log(aClamped), Math.LN2));
    e = tf.clipByValue(e, fmt.minExp, fmt.maxExp);
    let p = tf.pow(2, e);
    // log2 may be off by one next to a power of two: fix so that p <= a < 2p (where a is normal).
    e = tf.where(tf.logicalAnd(tf.greater(p, aClamped), tf.greater(e, fmt.minExp)), tf.sub(e, 1), e);
    p = tf.pow(2, e);
    e = tf.where(tf.logicalAnd(tf.lessEqual(tf.mul(p, 2), aClamped), tf.less(e, fmt.maxExp)), tf.add(e, 1), e);
    const ulp = tf.pow(2, tf.sub(e, fmt.mantissaBits));
    const rounded = tf.mul(tf.round(tf.div(aClamped, ulp)), ulp);
    const magnitude = tf.where(tf.greater(rounded, fmt.maxFinite), tf.fill(x.shape, Infinity), rounded);
    // Multiply by sign via where so that NaN stays NaN and signs are exact.
    const signed = tf.where(tf.less(x, 0), tf.neg(magnitude), magnitude);
    return tf.where(tf.isNaN(x), x, signed);
  });
}

function straightThrough(fmt: HalfFormat): (x: tf.Tensor) => tf.Tensor {
  return tf.customGrad(((x: tf.Tensor) => ({
    value: roundToFormat(x, fmt),
    gradFunc: (dy: tf.Tensor) => dy,
  })) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;
}

const toFloat16 = straightThrough(FLOAT16);
const toBfloat16 = straightThrough(BFLOAT16);

/**
 * Rounds every element to the nearest IEEE float16 value (round-to-nearest-even, subnormals down to
 * 2^-24, overflow to +-Inf at >= 65520), returned as float32. Gradient: straight-through (identity).
 *
 * @param x float32 tensor of any shape
 * @example
 * ```ts
 * roundToFloat16(tf.tensor([0.1, 65520])); // [0.0999755859375, Infinity]
 * ```
 */
export function roundToFloat16<T extends tf.Tensor>(x: T): T {
  return toFloat16(x) as T;
}

/**
 * Rounds every element to the nearest bfloat16 value (8 significant bits, float32's exponent range,
 * round-to-nearest-even; equal to rounding the top 16 bits of the float32 pattern), returned as
 * float32. Gradient: straight-through (identity).
 *
 * @example
 * ```ts
 * roundToBfloat16(tf.tensor([1 + 2 ** -8])); // [1] (a tie, rounded to even)
 * ```
 */
export function roundToBfloat16<T extends tf.Tensor>(x: T): T {
  return toBfloat16(x) as T;
}

let policy: ComputePrecision = 'float32';

/**
 * Sets the module-wide compute precision used by every tfdistill layer: when not `'float32'`, layers
 * round their weights when they read them and their outputs before returning them.
 *
 * @example
 * ```ts
 * setComputePrecision('bfloat16');
 * const out = model.predict(ids); // emulated bfloat16 forward pass
 * setComputePrecision('float32');
 * ```
 */
export function setComputePrecision(precision: ComputePrecision): void {
  if (precision !== 'float32' && precision !== 'float16' && precision !== 'bfloat16') {
    throw new TfdistillError(
      'INVALID_ARGUMENT',
      `unknown compute precision '${String(precision)}'`,
      "use 'float32', 'float16' or 'bfloat16'",
    );
  }
  policy = precision;
}

/**
 * The current compute precision (default `'float32'`).
 *
 * @example
 * ```ts
 * if (getComputePrecision() !== 'float32') console.log('emulating half precision');
 * ```
 */
export function getComputePrecision(): ComputePrecision {
  return policy;
}

/**
 * Applies the current compute precision to `x` (identity under `'float32'`). Layers call this on
 * weights and outputs at every layer boundary.
 *
 * @example
 * ```ts
 * const w = applyPrecision(this.kernel.read()); // rounded weight, float32 master copy untouched
 * ```
 */
export function applyPrecision<T extends tf.Tensor>(x: T): T {
  if (policy === 'float16') return roundToFloat16(x);
  if (policy === 'bfloat16') return roundToBfloat16(x);
  return x;
}
