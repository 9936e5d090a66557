import * as tf from '@tensorflow/tfjs';
import type { BaseLayerArgs } from './ops.js';

/**
 * Named pass-through that marks a model output (`hidden_3`, `attention_0`, ...), so the output
 * layout survives saving and loading as plain output names. Returns a new tensor handle
 * (`tf.clone`): TF.js's executor disposes a consumed intermediate, which must not be the output.
 *
 * @example
 * ```ts
 * const hidden0 = new TfdIdentity({ name: 'hidden_0' }).apply(h); // same values, own handle
 * ```
 */
export class TfdIdentity extends tf.layers.Layer {
  static className = 'TfdIdentity';

  constructor(config: BaseLayerArgs) {
    super(config);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.clone(Array.isArray(inputs) ? inputs[0] : inputs);
  }
}
