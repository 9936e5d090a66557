/**
 * Weight quantization for the browser export, in the layout stock TF.js decodes on load: float16 halves, or uint8
 * affine `value = q * scale + min` per weight tensor (as written by the tfjs converter), with `min` nudged so that
 * 0 is exactly representable (zero-initialised biases and padding rows stay exactly zero).
 */
import type * as tf from '@tensorflow/tfjs';
import { float32ToFloat16 } from '../util/float16.js';

/**
 * Storage formats for exported weights.
 *
 * @example
 * ```ts
 * const q: WebQuantization = 'uint8'; // ~4x smaller, ~1/255 of each tensor's range as error
 * ```
 */
export type WebQuantization = 'float16' | 'uint8';

/**
 * Re-encodes float32 weights of `specs`/`data` (tfjs save artifacts) as `mode`; other dtypes pass through.
 *
 * @example
 * ```ts
 * const { specs, data } = quantizeWeights(artifacts.weightSpecs!, weightBytes, 'uint8');
 * ```
 */
export function quantizeWeights(
  specs: readonly tf.io.WeightsManifestEntry[], data: ArrayBuffer, mode: WebQuantization,
): { specs: tf.io.WeightsManifestEntry[]; data: Uint8Array } {
  const outSpecs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const spec of specs) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const bytes = count * 4; // float32 and int32 are 4 bytes; bool is not used by tfdistill models
    const raw = new Uint8Array(data, offset, bytes);
    offset += bytes;
    if (spec.dtype !== 'float32' || spec.quantization) {
      outSpecs.push(spec);
      parts.push(raw);
      continue;
    }
    const values = new Float32Array(raw.slice().buffer);
    if (mode === 'float16') {
      outSpecs.push({ ...spec, quantization: { dtype: 'float16' } });
      parts.push(new Uint8Array(float32ToFloat16(values).buffer));
    } else {
      const { q, scale, min } = affineUint8(values);
      outSpecs.push({ ...spec, quantization: { dtype: 'uint8', scale, min } });
      parts.push(q);
    }
  }
  const total = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return { specs: outSpecs, data: out };
}

/**
 * uint8 affine quantization of one tensor over [min(values, 0), max(values, 0)], range nudged so 0 maps to an
 * integer (the tfjs converter's scheme).
 *
 * @example
 * ```ts
 * const { q, scale, min } = affineUint8(Float32Array.from([-1, 0, 1])); // q[1] * scale + min === 0
 * ```
 */
export function affineUint8(values: Float32Array): { q: Uint8Array; scale: number; min: number } {
  let lo = 0, hi = 0;
  for (const v of values) { if (v < lo) lo = v; if (v > hi) hi = v; }
  const scale = hi > lo ? (hi - lo) / 255 : 1;
  const zero = Math.round(-lo / scale); // integer code of 0
  const min = -zero * scale;
  const q = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) q[i] = Math.min(255, Math.max(0, Math.round((values[i] - min) / scale)));
  return { q, scale, min };
}
