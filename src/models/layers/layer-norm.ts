import * as tf from '@tensorflow/tfjs';
import { layerOutput } from '../activation-hook.js';
import { readWeight } from './weights.js';
import { layerNorm, type BaseLayerArgs } from './ops.js';

/**
 * Layer normalisation over the last axis with torch's default epsilon (1e-5); used as the final
 * norm after a pre-LN stack. Parameters: 2 * dModel.
 *
 * @example
 * ```ts
 * const y = new TfdLayerNorm({ dModel: 64, name: 'final_norm' }).apply(x); // [batch, seq, 64]
 * ```
 */
export class TfdLayerNorm extends tf.layers.Layer {
  static className = 'TfdLayerNorm';
  readonly dModel: number;
  readonly epsilon: number;
  gamma!: tf.LayerVariable;
  beta!: tf.LayerVariable;

  constructor(config: { dModel: number; epsilon?: number } & BaseLayerArgs) {
    super(config);
    this.dModel = config.dModel;
    this.epsilon = config.epsilon ?? 1e-5;
  }

  override build(): void {
    this.gamma = this.addWeight('gamma', [this.dModel], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [this.dModel], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return inputShape as tf.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      return layerOutput(this.name, layerNorm(x, readWeight(this.gamma), readWeight(this.beta), this.epsilon));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), dModel: this.dModel, epsilon: this.epsilon };
  }
}
