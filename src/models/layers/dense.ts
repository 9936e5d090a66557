import * as tf from '@tensorflow/tfjs';
import { layerOutput } from '../activation-hook.js';
import { readWeight } from './weights.js';
import { linear, weightSeed, type BaseLayerArgs } from './ops.js';

/**
 * Affine output head over the last axis, [..., inDim] -> [..., units], that follows the compute-precision
 * policy (tf.layers.dense does not). Parameters: inDim * units + units.
 *
 * @example
 * ```ts
 * const logits = new TfdDense({ inDim: 64, units: 3, name: 'logits' }).apply(pooled); // [batch, 3]
 * ```
 */
export class TfdDense extends tf.layers.Layer {
  static className = 'TfdDense';
  readonly inDim: number;
  readonly units: number;
  readonly seed?: number;
  /** [inDim, units] */
  kernel!: tf.LayerVariable;
  /** [units] */
  bias!: tf.LayerVariable;

  constructor(config: { inDim: number; units: number; seed?: number } & BaseLayerArgs) {
    super(config);
    this.inDim = config.inDim;
    this.units = config.units;
    this.seed = config.seed;
  }

  override build(): void {
    const init = tf.initializers.glorotUniform({ seed: weightSeed(this.seed, 0) });
    this.kernel = this.addWeight('kernel', [this.inDim, this.units], 'float32', init);
    this.bias = this.addWeight('bias', [this.units], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return [...(inputShape as tf.Shape).slice(0, -1), this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      return layerOutput(this.name, linear(x, readWeight(this.kernel), readWeight(this.bias)));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), inDim: this.inDim, units: this.units, ...(this.seed === undefined ? {} : { seed: this.seed }) };
  }
}
