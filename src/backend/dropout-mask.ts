import * as tf from '@tensorflow/tfjs';

/**
 * Dropout masks from a fast seeded generator. `tf.dropout` draws its mask through `tf.randomUniform`, which runs
 * seedrandom's Alea in JS at ~15 ns a number (~0.13 s per training step of the standard workload's student); the
 * mulberry32 generator here fills the mask at ~2 ns an element and the mask is uploaded once.
 */

/**
 * Inverted-dropout scale mask of `size` elements: each element independently `1 / (1 - rate)` with probability
 * `1 - rate`, else 0. The same `seed` always gives the same mask, on every backend.
 *
 * @param seed any integer; only its low 32 bits are used
 * @example
 * ```ts
 * const m = dropoutMaskValues(8, 0.5, 42); // e.g. Float32Array [2, 0, 0, 2, 2, 0, 2, 0]
 * ```
 */
export function dropoutMaskValues(size: number, rate: number, seed: number): Float32Array {
  const mask = new Float32Array(size);
  const keep = 1 / (1 - rate);
  // Keep when a uniform uint32 is >= rate * 2^32 (comparing integers avoids a float conversion per element).
  const threshold = Math.min(2 ** 32 - 1, Math.floor(rate * 2 ** 32));
  let state = seed | 0;
  for (let i = 0; i < size; i++) {
    // mulberry32 (Tommy Ettinger): 32-bit state, passes PractRand to 2^32 outputs per seed.
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    if ((t ^ (t >>> 14)) >>> 0 >= threshold) mask[i] = keep;
  }
  return mask;
}

/**
 * Inverted dropout `x * mask / (1 - rate)` with a mask from {@link dropoutMaskValues}; its gradient is
 * `dy * mask / (1 - rate)` (the product's own gradient). Same semantics as `tf.dropout(x, rate, undefined, seed)`,
 * different random stream.
 *
 * @param x float32, any shape
 * @param rate in [0, 1)
 * @example
 * ```ts
 * const h = seededDropout(hidden, 0.1, 1234); // [batch, seq, d], ~10% zeros, the rest scaled by 1/0.9
 * ```
 */
export function seededDropout<T extends tf.Tensor>(x: T, rate: number, seed: number): T {
  if (!(rate >= 0 && rate < 1)) throw new RangeError(`dropout rate must be in [0, 1), got ${rate}`);
  if (rate === 0) return x.clone();
  return tf.tidy(() => tf.mul(x, tf.tensor(dropoutMaskValues(x.size, rate, seed), x.shape, 'float32'))) as T;
}
