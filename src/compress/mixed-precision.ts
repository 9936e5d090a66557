import type * as tf from '@tensorflow/tfjs';
import { TfdistillError } from '../errors.js';
import type { EvalSet } from './eval-set.js';
import { predictLogits, qualityOf, type Quality } from './evaluate.js';
import { withQuantizedWeights } from './quantize.js';
import { BYTES_PER_VALUE, type WeightDtype } from './quant-math.js';
import type { DtypeAssignment } from './write-quantized.js';

/**
 * A layer's sensitivity: quality when only its weights are quantized to the low dtype.
 */
export interface LayerSensitivity extends Quality {
  layer: string;
}

/** The layer a weight belongs to: the manifest name up to the first '/' (`block_0/ffn1_kernel` -> `block_0`). */
export function layerOf(weightName: string): string {
  const i = weightName.indexOf('/');
  return i < 0 ? weightName : weightName.slice(0, i);
}

/**
 * Quantizes each layer alone to `low` and measures KL/accuracy/agreement against the float model; returns
 * layers most sensitive first (KL descending, then name, so the ranking is deterministic for a fixed model and data).
 *
 * @example
 * ```ts
 * const ranking = await sensitivity(model, set, { low: 'uint8' }); // [{ layer: 'logits', kl: 0.01 }, ...]
 * ```
 */
export async function sensitivity(model: tf.LayersModel, data: EvalSet, opts: { low?: WeightDtype } = {}): Promise<LayerSensitivity[]> {
  const low = opts.low ?? 'uint8';
  const reference = predictLogits(model, data).logits;
  const layers = [...new Set(model.weights.map((w) => layerOf(w.originalName)))];
  const out: LayerSensitivity[] = [];
  for (const layer of layers) {
    const q = await withQuantizedWeights(
      model,
      (n) => (layerOf(n) === layer ? low : 'float32'),
      () => qualityOf(predictLogits(model, data), data, reference),
    );
    out.push({ layer, ...q });
  }
  return out.sort((a, b) => (b.kl ?? 0) - (a.kl ?? 0) || (a.layer < b.layer ? -1 : a.layer > b.layer ? 1 : 0));
}

/**
 * An accuracy target: an absolute accuracy (0.9) or a drop relative to the float model (`'-1%'` = at most one
 * accuracy point below it).
 */
export type AccuracyTarget = number | `-${number}%`;

/**
 * The absolute accuracy a target means for a float model with accuracy `base`.
 *
 * @example
 * ```ts
 * resolveTarget('-1%', 0.92); // 0.91
 * ```
 */
export function resolveTarget(target: AccuracyTarget, base: number): number {
  if (typeof target === 'number' && target >= 0 && target <= 1) return target;
  const m = typeof target === 'string' ? /^-(\d+(?:\.\d+)?)%$/.exec(target) : null;
  if (!m) throw new TfdistillError('INVALID_ARGUMENT', `target accuracy must be in [0, 1] or like '-1%', got ${String(target)}`);
  return base - Number(m[1]) / 100;
}

/**
 * One point of the adaptive search: the k most sensitive layers kept at `keep`, the rest at `low`.
 */
export interface AdaptivePoint extends Quality {
  kept: string[];
  weightBytes: number;
}

/**
 * Searches the most compressive mixed assignment that meets the target: layers ranked by {@link sensitivity};
 * for k = 0, 1, ... the k most sensitive layers stay at `keep` (default float16), the rest go to `low`
 * (default uint8); the first k that meets the target wins. Returns the chosen assignment and the whole curve.
 * If even k = all misses the target, the float32 model is chosen (`met: false`).
 *
 * @example
 * ```ts
 * const { dtypeOf, curve, met } = await adaptiveAssignment(model, set, { target: '-1%' });
 * ```
 */
export async function adaptiveAssignment(
  model: tf.LayersModel,
  data: EvalSet,
  opts: { target: AccuracyTarget; low?: WeightDtype; keep?: WeightDtype },
): Promise<{ dtypeOf: DtypeAssignment; curve: AdaptivePoint[]; met: boolean; target: number; ranking: LayerSensitivity[] }> {
  if (!data.labels) throw new TfdistillError('INVALID_ARGUMENT', 'an accuracy target needs labelled data');
  const low = opts.low ?? 'uint8';
  const keep = opts.keep ?? 'float16';
  const reference = predictLogits(model, data).logits;
  const base = qualityOf({ logits: reference, numClasses: reference.length / data.ids.length }, data).accuracy as number;
  const target = resolveTarget(opts.target, base);
  const ranking = await sensitivity(model, data, { low });
  const curve: AdaptivePoint[] = [];
  for (let k = 0; k <= ranking.length; k++) {
    const kept = new Set(ranking.slice(0, k).map((r) => r.layer));
    const dtypeOf: DtypeAssignment = (n) => (kept.has(layerOf(n)) ? keep : low);
    const q = await withQuantizedWeights(model, dtypeOf, () => qualityOf(predictLogits(model, data), data, reference));
    const weightBytes = model.weights.reduce((s, w) => s + w.read().size * BYTES_PER_VALUE[dtypeOf(w.originalName)], 0);
    curve.push({ kept: [...kept], weightBytes, ...q });
    if ((q.accuracy ?? 0) >= target - 1e-12) return { dtypeOf, curve, met: true, target, ranking };
  }
  return { dtypeOf: () => 'float32', curve, met: false, target, ranking };
}
