/**
 * Simulated ("fake") int8 activation quantization, per tensor, affine: the same arithmetic as PyTorch's
 * `MinMaxObserver(dtype=torch.qint8)` + `torch.fake_quantize_per_tensor_affine(x, scale, zp, -128, 127)`.
 * The range is widened to contain 0 (so zero padding and ReLU zeros are exact), then
 * scale = (hi - lo) / 255, zeroPoint = -128 - round(lo / scale) clamped to [-128, 127], and
 * x' = (clamp(round(x / scale) + zeroPoint, -128, 127) - zeroPoint) * scale, rounding half to even.
 * The result is float32 again: TF.js has no int8 kernels, this only shows the error an int8 runtime would add.
 */
import * as tf from '@tensorflow/tfjs';
import { roundHalfEven } from '../util/round-half-even.js';

/** int8 limits. */
const Q_MIN = -128;
const Q_MAX = 127;

/**
 * Affine int8 parameters of one activation tensor.
 */
export interface Int8Params {
  scale: number;
  zeroPoint: number;
}

/**
 * int8 parameters for a calibrated range [lo, hi] (widened to contain 0), as PyTorch's MinMaxObserver computes
 * them (its `eps` floor on the scale included).
 *
 * @example
 * ```ts
 * int8Params(-1, 3); // { scale: 4 / 255, zeroPoint: -64 }
 * ```
 */
export function int8Params(lo: number, hi: number): Int8Params {
  const min = Math.fround(Math.min(lo, 0));
  const max = Math.fround(Math.max(hi, 0));
  const scale = Math.max(Math.fround((max - min) / (Q_MAX - Q_MIN)), 1.1920928955078125e-7); // float32 eps
  const zeroPoint = Math.min(Q_MAX, Math.max(Q_MIN, Q_MIN - roundHalfEven(min / scale)));
  return { scale, zeroPoint };
}

/**
 * Quantizes `x` to int8 with `params` and back to float32 (any shape; values outside the range saturate).
 *
 * @example
 * ```ts
 * fakeQuantInt8(tf.tensor([0.013, 5]), { scale: 0.01, zeroPoint: 0 }); // [0.01, 1.27]
 * ```
 */
export function fakeQuantInt8<T extends tf.Tensor>(x: T, params: Int8Params): T {
  return tf.tidy(() => {
    const inv = Math.fround(1 / params.scale); // PyTorch multiplies by the float32 inverse scale
    const q = tf.clipByValue(tf.add(tf.round(tf.mul(x, inv)), params.zeroPoint), Q_MIN, Q_MAX);
    return tf.mul(tf.sub(q, params.zeroPoint), params.scale) as T;
  });
}
