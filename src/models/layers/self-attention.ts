import * as tf from '@tensorflow/tfjs';
import { applyPrecision } from '../precision.js';
import { layerOutput } from '../activation-hook.js';
import { addAttentionWeights, selfAttention, type AttentionConfig, type AttentionWeights } from './attention.js';
import { configPadId, paddingMask, type BaseLayerArgs, type CallKwargs } from './ops.js';

/**
 * Stand-alone multi-head self-attention layer with a key padding mask (the same computation
 * {@link TfdEncoderBlock} uses inside). Inputs `[x [batch, seq, d], inputIds [batch, seq]]`;
 * outputs `[y [batch, seq, d], probs [batch, heads, seq, seq]]`. Padding keys are `inputIds == padId` (config
 * `padId`, default 0; saved with the model).
 * Parameters: 4d^2 + 4d, or d^2 + 6dr + 4d with `attentionRank` r.
 *
 * @example
 * ```ts
 * const [y, probs] = new TfdMultiHeadSelfAttention({ dModel: 64, numHeads: 2, attentionDropout: 0 })
 *   .apply([x, ids]) as tf.SymbolicTensor[];
 * ```
 */
export class TfdMultiHeadSelfAttention extends tf.layers.Layer {
  static className = 'TfdMultiHeadSelfAttention';
  readonly attentionConfig: AttentionConfig;
  readonly seed?: number;
  /** Token id that marks padding. */
  readonly padId: number;
  weightsOf!: AttentionWeights;

  constructor(config: AttentionConfig & { seed?: number; padId?: number } & BaseLayerArgs) {
    super(config);
    const { dModel, numHeads, attentionRank, attentionDropout } = config;
    this.attentionConfig = { dModel, numHeads, attentionRank, attentionDropout };
    this.seed = config.seed;
    this.padId = configPadId(config);
  }

  override build(): void {
    this.weightsOf = addAttentionWeights((n, s, i) => this.addWeight(n, s, 'float32', i), this.attentionConfig, this.seed);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape[] {
    const x = (inputShape as tf.Shape[])[0];
    return [x, [x[0], this.attentionConfig.numHeads, x[1], x[1]]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor[] {
    return tf.tidy(() => {
      const [x, ids] = inputs as [tf.Tensor3D, tf.Tensor2D];
      const { output, probs } = selfAttention(x, paddingMask(ids, this.padId), this.weightsOf, this.attentionConfig, {
        training: kwargs.training === true,
      });
      return [layerOutput(this.name, output), applyPrecision(probs as tf.Tensor4D)];
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const { attentionRank, ...rest } = this.attentionConfig;
    return {
      ...super.getConfig(),
      ...rest,
      padId: this.padId,
      ...(attentionRank === undefined ? {} : { attentionRank }),
      ...(this.seed === undefined ? {} : { seed: this.seed }),
    };
  }
}
