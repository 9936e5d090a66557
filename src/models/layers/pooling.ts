import * as tf from '@tensorflow/tfjs';
import { layerOutput } from '../activation-hook.js';
import { configPadId, paddingMask, type BaseLayerArgs } from './ops.js';

/**
 * How token states become one sequence vector.
 *
 * @example
 * ```ts
 * createEncoder({ ...options, pooling: 'cls' });
 * ```
 */
export type Pooling = 'mean' | 'cls';

/**
 * Sequence pooling. `mean`: average over non-padding tokens (sum(x * mask) / max(count, 1), so an
 * all-padding row gives zeros); `cls`: the first token's state.
 * Inputs `[x [batch, seq, d], inputIds [batch, seq]]`; output [batch, d]. No parameters.
 * Padding is `inputIds == padId` (config `padId`, default 0; saved with the model).
 *
 * @example
 * ```ts
 * const pooled = new TfdPooling({ pooling: 'mean' }).apply([h, ids]); // [batch, d]
 * ```
 */
export class TfdPooling extends tf.layers.Layer {
  static className = 'TfdPooling';
  readonly pooling: Pooling;
  /** Token id that marks padding. */
  readonly padId: number;

  constructor(config: { pooling: Pooling; padId?: number } & BaseLayerArgs) {
    super(config);
    this.pooling = config.pooling;
    this.padId = configPadId(config);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const x = (inputShape as tf.Shape[])[0];
    return [x[0], x[2]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x, ids] = inputs as [tf.Tensor3D, tf.Tensor2D];
      if (this.pooling === 'cls') return layerOutput(this.name, x.slice([0, 0, 0], [-1, 1, -1]).squeeze([1]));
      const mask = paddingMask(ids, this.padId).expandDims(2); // [b, s, 1]
      const count = tf.maximum(mask.sum(1), 1); // [b, 1]
      return layerOutput(this.name, tf.div(tf.mul(x, mask).sum(1), count)); // [b, d]
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), pooling: this.pooling, padId: this.padId };
  }
}
