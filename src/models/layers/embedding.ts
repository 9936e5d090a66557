import * as tf from '@tensorflow/tfjs';
import { embeddingLookup } from '../../backend/embedding.js';
import { TfdistillError } from '../../errors.js';
import { dropout } from '../dropout.js';
import { layerOutput } from '../activation-hook.js';
import { readWeight } from './attention.js';
import { weightSeed, type BaseLayerArgs, type CallKwargs } from './ops.js';

/**
 * Configuration of {@link TfdEmbedding}.
 *
 * @example
 * ```ts
 * new TfdEmbedding({ vocabSize: 100, maxLength: 16, dModel: 32, dropout: 0.1 } satisfies EmbeddingConfig);
 * ```
 */
export interface EmbeddingConfig {
  vocabSize: number;
  maxLength: number;
  dModel: number;
  dropout: number;
  seed?: number;
}

/**
 * Token + learned absolute position embedding, then dropout: `E[ids] + P[0:seq]`.
 * Input int32 ids [batch, seq] (seq <= maxLength); output [batch, seq, dModel].
 * Parameters: (vocabSize + maxLength) * dModel. Initialisation: N(0, 0.02) truncated (BERT).
 *
 * @example
 * ```ts
 * const x = new TfdEmbedding({ vocabSize: 8000, maxLength: 128, dModel: 64, dropout: 0.1 }).apply(ids);
 * ```
 */
export class TfdEmbedding extends tf.layers.Layer {
  static className = 'TfdEmbedding';
  readonly embeddingConfig: EmbeddingConfig;
  /** [vocabSize, dModel] */
  tokens!: tf.LayerVariable;
  /** [maxLength, dModel] */
  positions!: tf.LayerVariable;

  constructor(config: EmbeddingConfig & BaseLayerArgs) {
    super(config);
    const { vocabSize, maxLength, dModel, dropout: rate, seed } = config;
    this.embeddingConfig = { vocabSize, maxLength, dModel, dropout: rate, seed };
  }

  override build(): void {
    const { vocabSize, maxLength, dModel, seed } = this.embeddingConfig;
    const init = (i: number) => tf.initializers.truncatedNormal({ stddev: 0.02, seed: weightSeed(seed, i) });
    this.tokens = this.addWeight('tokens', [vocabSize, dModel], 'float32', init(0));
    this.positions = this.addWeight('positions', [maxLength, dModel], 'float32', init(1));
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = inputShape as tf.Shape;
    return [s[0], s[1], this.embeddingConfig.dModel];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const ids = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor2D;
      const { maxLength, dModel, dropout: rate } = this.embeddingConfig;
      const seq = ids.shape[1];
      if (seq > maxLength) {
        throw new TfdistillError('SHAPE_MISMATCH', `sequence length ${seq} exceeds the model's maxLength ${maxLength}`,
          'truncate inputs to maxLength tokens');
      }
      const tokens = embeddingLookup(readWeight(this.tokens) as tf.Tensor2D, ids); // [b, s, d]
      const positions = readWeight(this.positions).slice([0, 0], [seq, dModel]); // [s, d]
      const x = dropout(tf.add(tokens, positions), { rate, training: kwargs.training === true });
      return layerOutput(this.name, x);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const { seed, ...rest } = this.embeddingConfig;
    return { ...super.getConfig(), ...rest, ...(seed === undefined ? {} : { seed }) };
  }
}
