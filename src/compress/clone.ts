import * as tf from '@tensorflow/tfjs';

/**
 * An independent copy of a layers model (same topology, copied weights), so compression never edits the
 * caller's model in place.
 *
 * @example
 * ```ts
 * const copy = await cloneModel(model); // ... copy.dispose();
 * ```
 */
export async function cloneModel(model: tf.LayersModel): Promise<tf.LayersModel> {
  const topology = model.toJSON(null, false) as unknown as tf.ModelAndWeightsConfig['modelTopology'];
  const copy = await tf.models.modelFromJSON({ modelTopology: topology });
  const weights = model.getWeights();
  copy.setWeights(weights);
  return copy;
}

/**
 * Runs `fn` with some of the model's weights temporarily replaced (by name), restoring the originals after.
 *
 * @example
 * ```ts
 * const kl = await withWeights(model, { 'block_0/qkv_kernel': zeros }, () => measure(model));
 * ```
 */
export async function withWeights<T>(model: tf.LayersModel, replace: Map<string, tf.Tensor>, fn: () => T | Promise<T>): Promise<T> {
  const saved = new Map<tf.LayerVariable, tf.Tensor>();
  for (const v of model.weights) {
    const next = replace.get(v.originalName); // the manifest name; `name` may carry a uniquifying suffix
    if (!next) continue;
    saved.set(v, tf.clone(v.read()));
    v.write(next);
  }
  try {
    return await fn();
  } finally {
    for (const [v, old] of saved) {
      v.write(old);
      old.dispose();
    }
  }
}
