import * as tf from '@tensorflow/tfjs';
import { embeddingLookup } from '../../backend/embedding.js';
import { TfdistillError } from '../../errors.js';
import { dropout } from '../dropout.js';
import { layerOutput } from '../activation-hook.js';
import { readWeight } from './weights.js';
import { weightSeed, type BaseLayerArgs, type CallKwargs } from './ops.js';

/**
 * Configuration of {@link TfdEmbedding}.
 *
 * @example
 * ```ts
 * new TfdEmbedding({ vocabSize: 100, maxLength: 16, dModel: 32, dropout: 0.1, typeVocabSize: 2 } satisfies EmbeddingConfig);
 * ```
 */
export interface EmbeddingConfig {
  vocabSize: number;
  maxLength: number;
  dModel: number;
  dropout: number;
  /** Rows of the token type table (2 for BERT sentence pairs); 0 or absent = no table and a single input. */
  typeVocabSize?: number;
  seed?: number;
}

/**
 * Token + learned absolute position (+ token type) embedding, then dropout: `E[ids] + P[0:seq] (+ T[typeIds])`,
 * as BERT's embeddings without their LayerNorm.
 * Input int32 ids [batch, seq] (seq <= maxLength), or `[ids, typeIds]` (both int32 [batch, seq], type ids in
 * [0, typeVocabSize)) when `typeVocabSize` > 0; output [batch, seq, dModel].
 * Weights, in this order: `tokens` [vocabSize, dModel], `positions` [maxLength, dModel], and when `typeVocabSize` > 0
 * `token_types` [typeVocabSize, dModel] (so models without the table keep their weight manifest). Parameters:
 * (vocabSize + maxLength + typeVocabSize) * dModel. Initialisation: N(0, 0.02) truncated (BERT) for every table.
 * Ids are not range-checked (that would read them back from the device); out-of-range ids give undefined rows.
 *
 * @example
 * ```ts
 * const x = new TfdEmbedding({ vocabSize: 8000, maxLength: 128, dModel: 64, dropout: 0.1 }).apply(ids);
 * const pair = new TfdEmbedding({ vocabSize: 8000, maxLength: 128, dModel: 64, dropout: 0.1, typeVocabSize: 2 })
 *   .apply([ids, typeIds]);
 * ```
 */
export class TfdEmbedding extends tf.layers.Layer {
  static className = 'TfdEmbedding';
  readonly embeddingConfig: EmbeddingConfig & { typeVocabSize: number };
  /** [vocabSize, dModel] */
  tokens!: tf.LayerVariable;
  /** [maxLength, dModel] */
  positions!: tf.LayerVariable;
  /** [typeVocabSize, dModel]; undefined when typeVocabSize is 0. */
  tokenTypes?: tf.LayerVariable;

  constructor(config: EmbeddingConfig & BaseLayerArgs) {
    super(config);
    const { vocabSize, maxLength, dModel, dropout: rate, typeVocabSize = 0, seed } = config;
    if (!Number.isInteger(typeVocabSize) || typeVocabSize < 0) {
      throw new TfdistillError('INVALID_ARGUMENT', `typeVocabSize must be a non-negative integer, got ${String(typeVocabSize)}`);
    }
    this.embeddingConfig = { vocabSize, maxLength, dModel, dropout: rate, typeVocabSize, seed };
  }

  override build(): void {
    const { vocabSize, maxLength, dModel, typeVocabSize, seed } = this.embeddingConfig;
    const init = (i: number) => tf.initializers.truncatedNormal({ stddev: 0.02, seed: weightSeed(seed, i) });
    this.tokens = this.addWeight('tokens', [vocabSize, dModel], 'float32', init(0));
    this.positions = this.addWeight('positions', [maxLength, dModel], 'float32', init(1));
    if (typeVocabSize > 0) this.tokenTypes = this.addWeight('token_types', [typeVocabSize, dModel], 'float32', init(2));
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape; // ids' shape
    return [s[0], s[1], this.embeddingConfig.dModel];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const [ids, typeIds] = (Array.isArray(inputs) ? inputs : [inputs]) as [tf.Tensor2D, tf.Tensor2D?];
      const { maxLength, dModel, dropout: rate } = this.embeddingConfig;
      const seq = ids.shape[1];
      if (seq > maxLength) {
        throw new TfdistillError(
          'SHAPE_MISMATCH',
          `sequence length ${seq} exceeds the model's maxLength ${maxLength}`,
          'truncate inputs to maxLength tokens',
        );
      }
      const tokens = embeddingLookup(readWeight(this.tokens) as tf.Tensor2D, ids); // [b, s, d]
      const positions = readWeight(this.positions).slice([0, 0], [seq, dModel]); // [s, d]
      let sum = tf.add(tokens, positions);
      if (this.tokenTypes) {
        if (!typeIds || typeIds.shape.join(',') !== ids.shape.join(',')) {
          throw new TfdistillError(
            'SHAPE_MISMATCH',
            `token type ids [${typeIds?.shape.join(', ') ?? ''}] must have the ` + `shape of the input ids [${ids.shape.join(', ')}]`,
          );
        }
        sum = tf.add(sum, embeddingLookup(readWeight(this.tokenTypes) as tf.Tensor2D, typeIds)); // [b, s, d]
      }
      const x = dropout(sum, { rate, training: kwargs.training === true });
      return layerOutput(this.name, x);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const { seed, ...rest } = this.embeddingConfig;
    return { ...super.getConfig(), ...rest, ...(seed === undefined ? {} : { seed }) };
  }
}
