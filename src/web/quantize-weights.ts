/**
 * Weight quantization for the browser export, in the layout stock TF.js decodes on load: float16 halves, or uint8
 * affine `value = q * scale + min` per weight tensor, computed exactly as the tfjs converter does (`affineQuantize`:
 * `min` nudged so that 0 is representable when the range spans it).
 */
import type * as tf from '@tensorflow/tfjs';
import { affineQuantize } from '../compress/quant-math.js';
import { float32ToFloat16 } from '../util/float16.js';
import { int8Role } from '../models/layers/weights.js';

/**
 * Storage formats for exported weights.
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
  specs: readonly tf.io.WeightsManifestEntry[],
  data: ArrayBuffer,
  mode: WebQuantization,
): { specs: tf.io.WeightsManifestEntry[]; data: Uint8Array } {
  const outSpecs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const spec of specs) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const bytes = count * 4; // float32 and int32 are 4 bytes; bool is not used by tfdistill models
    const raw = new Uint8Array(data, offset, bytes);
    offset += bytes;
    // int8 column scales stay float32: they multiply every output of their column.
    if (spec.dtype !== 'float32' || spec.quantization || int8Role(spec.name)?.role === 'scales') {
      outSpecs.push(spec);
      parts.push(raw);
      continue;
    }
    const values = new Float32Array(raw.slice().buffer);
    if (mode === 'float16') {
      outSpecs.push({ ...spec, quantization: { dtype: 'float16' } });
      parts.push(new Uint8Array(float32ToFloat16(values).buffer));
    } else {
      const { values: q, scale, min } = affineQuantize(values, 'uint8');
      outSpecs.push({ ...spec, quantization: { dtype: 'uint8', scale, min } });
      parts.push(q as Uint8Array);
    }
  }
  const total = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return { specs: outSpecs, data: out };
}
