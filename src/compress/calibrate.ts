import type * as tf from '@tensorflow/tfjs';
import { TfdistillError } from '../errors.js';
import { withActivationHook } from '../models/activation-hook.js';
import { ActivationHistogram } from './activation-histogram.js';
import type { EvalSet } from './eval-set.js';
import { predictLogits, qualityOf, type Quality } from './evaluate.js';
import { fakeQuantInt8, int8Params, type Int8Params } from './fake-quant.js';

/**
 * The calibrated activation range of one layer output and its int8 parameters.
 */
export interface ActivationRange extends Int8Params {
  /** Observed extremes. */
  min: number;
  max: number;
  /** The range int8 covers: the percentile range (min/max at percentile 100). */
  lo: number;
  hi: number;
  /** Values observed (padding positions included: a deployment computes them too). */
  count: number;
}

/**
 * Result of {@link calibrate}: one range per layer output, keyed by layer name (`embeddings`, `block_0`, ...).
 *
 * @example
 * ```ts
 * const { layers } = await calibrate(model, set);
 * console.log(layers.block_0.hi);
 * ```
 */
export interface Calibration {
  percentile: number;
  examples: number;
  layers: Record<string, ActivationRange>;
}

/**
 * Options of {@link calibrate}.
 */
export interface CalibrateOptions {
  /** Central percentile kept on each side, in (50, 100]; 100 = min/max. Default 99.9. */
  percentile?: number;
  /** Histogram bins per layer. Default 2048. */
  bins?: number;
  batchSize?: number;
}

/**
 * Static int8 calibration: runs the calibration set through the model, records each tfdistill layer's output
 * range (pass 1: min/max; pass 2, below percentile 100: a histogram over [min, max] from which the percentile
 * range is read) and derives per-tensor affine int8 parameters. Ranges include padded positions.
 *
 * @example
 * ```ts
 * const calibration = await calibrate(model, set, { percentile: 99.9 });
 * const logits = withInt8Activations(calibration, () => predictLogits(model, set).logits);
 * ```
 */
export async function calibrate(model: tf.LayersModel, set: EvalSet, options: CalibrateOptions = {}): Promise<Calibration> {
  const percentile = options.percentile ?? 99.9;
  const bins = options.bins ?? 2048;
  if (typeof percentile !== 'number' || !(percentile > 50 && percentile <= 100)) {
    throw new TfdistillError(
      'INVALID_ARGUMENT',
      `percentile must be in (50, 100], got ${String(percentile)}`,
      'e.g. 99.9, or 100 for min/max',
    );
  }
  if (!Number.isInteger(bins) || bins < 2)
    throw new TfdistillError('INVALID_ARGUMENT', `bins must be an integer >= 2, got ${String(bins)}`);
  if (set.ids.length === 0) throw new TfdistillError('DATA_INVALID', 'the calibration set has no examples');
  const run = (observe: (layer: string, values: Float32Array) => void) =>
    withActivationHook(
      (layer, x) => {
        observe(layer, x.dataSync() as Float32Array);
        return x;
      },
      () => predictLogits(model, set, { batchSize: options.batchSize }),
    );

  const extremes = new Map<string, { min: number; max: number; count: number }>();
  run((layer, values) => {
    const e = extremes.get(layer) ?? { min: Infinity, max: -Infinity, count: 0 };
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v < e.min) e.min = v;
      if (v > e.max) e.max = v;
    }
    e.count += values.length;
    extremes.set(layer, e);
  });
  if (extremes.size === 0) {
    throw new TfdistillError('INVALID_ARGUMENT', 'no tfdistill layer outputs were observed', 'calibration needs a tfdistill encoder');
  }
  const histograms = new Map([...extremes].map(([layer, e]) => [layer, new ActivationHistogram({ min: e.min, max: e.max, bins })]));
  if (percentile < 100) run((layer, values) => histograms.get(layer)?.add(values));

  const layers: Record<string, ActivationRange> = {};
  for (const [layer, e] of extremes) {
    if (!Number.isFinite(e.min) || !Number.isFinite(e.max)) {
      throw new TfdistillError('NON_FINITE', `layer ${layer} produced non-finite activations during calibration`);
    }
    const { lo, hi } = (histograms.get(layer) as ActivationHistogram).range(percentile);
    layers[layer] = { min: e.min, max: e.max, lo, hi, count: e.count, ...int8Params(lo, hi) };
  }
  return { percentile, examples: set.ids.length, layers };
}

/**
 * Runs `fn` with every calibrated layer output fake-quantized to int8 (see `fakeQuantInt8`): the accuracy a
 * deployment with int8 activations at every layer boundary would have. TF.js still computes in float32, and
 * activations inside a layer (attention scores, the FFN's hidden units) are not quantized by this simulation.
 *
 * @example
 * ```ts
 * const { logits } = withInt8Activations(calibration, () => predictLogits(model, set));
 * ```
 */
export function withInt8Activations<T>(calibration: Calibration, fn: () => T): T {
  return withActivationHook((layer, x) => {
    const range = calibration.layers[layer];
    return range ? fakeQuantInt8(x, range) : x;
  }, fn);
}

/**
 * Quality of a model whose activations are int8 at every layer boundary (simulated): calibrates on
 * `calibration` (default `data`), then evaluates `data` with fake-quantized activations.
 *
 * @example
 * ```ts
 * const { quality, calibration } = await int8ActivationQuality(model, { data: set, reference: floatLogits });
 * ```
 */
export async function int8ActivationQuality(
  model: tf.LayersModel,
  opts: { data: EvalSet; calibration?: EvalSet; reference?: Float32Array } & CalibrateOptions,
): Promise<{ quality: Quality; calibration: Calibration }> {
  const calibration = await calibrate(model, opts.calibration ?? opts.data, opts);
  const pred = withInt8Activations(calibration, () => predictLogits(model, opts.data, { batchSize: opts.batchSize }));
  return { quality: qualityOf(pred, opts.data, opts.reference), calibration };
}
