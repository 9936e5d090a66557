import * as tf from '@tensorflow/tfjs';
import { dropout } from '../dropout.js';
import { applyPrecision } from '../precision.js';
import { layerOutput } from '../activation-hook.js';
import { addAttentionWeights, selfAttention, type AttentionConfig, type AttentionWeights } from './attention.js';
import { activate, configPadId, layerNorm, paddingMask, weightSeed, type Activation, type BaseLayerArgs, type CallKwargs } from './ops.js';
import { addDenseKernel, dense, readWeight, type AddWeight, type DenseKernel } from './weights.js';

/**
 * Configuration of {@link TfdEncoderBlock} (all of it is saved with the model).
 *
 * @example
 * ```ts
 * (model.getLayer('block_0') as TfdEncoderBlock).blockConfig.normFirst;
 * ```
 */
export interface EncoderBlockConfig {
  dModel: number;
  numHeads: number;
  ffnDim: number;
  dropout: number;
  activation: Activation;
  /** Pre-LN (`x + f(LN(x))`) when true, post-LN (`LN(x + f(x))`) when false. */
  normFirst: boolean;
  attentionRank?: number;
  /** Also output the attention probabilities [batch, heads, seq, seq]. */
  returnAttention: boolean;
  layerNormEpsilon: number;
  /** Weight-initialisation seed; undefined = unseeded. */
  seed?: number;
  /** Token id that marks padding (keys with `inputIds == padId` get no attention). Default 0. */
  padId?: number;
  /**
   * Dense kernels (q|k|v, output projection, FFN) stored as int8 columns and run by `int8Linear`: set by
   * `quantize --dtype int8`, inference only. Low-rank q|k|v factors stay float32.
   */
  int8?: boolean;
}

/**
 * One transformer encoder block, numerically the same as `torch.nn.TransformerEncoderLayer(d, h, ffn,
 * dropout, activation, batch_first=True, norm_first)`, with the same four dropout sites (attention
 * probabilities, after the attention output projection, inside the FFN, after the FFN).
 * Inputs: `[x [batch, seq, d], inputIds int32 [batch, seq]]` (the padding mask is ids != padId).
 * Output: x' [batch, seq, d], plus the attention probabilities when `returnAttention`.
 * Parameters: attention 4d^2 + 4d (low rank r: d^2 + 6dr + 4d), FFN 2 d f + f + d, norms 4d.
 * Apply the same instance several times for ALBERT-style sharing.
 *
 * @example
 * ```ts
 * const block = new TfdEncoderBlock({ dModel: 64, numHeads: 2, ffnDim: 256, dropout: 0.1,
 *   activation: 'gelu', normFirst: true, returnAttention: false, layerNormEpsilon: 1e-5 });
 * const h = block.apply([x, ids]) as tf.SymbolicTensor;
 * ```
 */
export class TfdEncoderBlock extends tf.layers.Layer {
  static className = 'TfdEncoderBlock';
  readonly blockConfig: EncoderBlockConfig & { padId: number; int8: boolean };
  attention!: AttentionWeights;
  norm1Gamma!: tf.LayerVariable;
  norm1Beta!: tf.LayerVariable;
  ffn1Kernel!: DenseKernel;
  ffn1Bias!: tf.LayerVariable;
  ffn2Kernel!: DenseKernel;
  ffn2Bias!: tf.LayerVariable;
  norm2Gamma!: tf.LayerVariable;
  norm2Beta!: tf.LayerVariable;
  /**
   * TF.js's executor calls a multi-output layer once per output it needs (here: the hidden state and
   * the attention probabilities), which would run every block twice and draw extra dropout seeds. The
   * first call's outputs are kept here, keyed by the input tensors' ids (never reused) and the training
   * flag, and handed back once to the second call.
   */
  private readonly pending = new Map<string, tf.Tensor[]>();

  constructor(config: EncoderBlockConfig & BaseLayerArgs) {
    super(config);
    const {
      dModel,
      numHeads,
      ffnDim,
      dropout: rate,
      activation,
      normFirst,
      attentionRank,
      returnAttention,
      layerNormEpsilon,
      seed,
      int8,
    } = config;
    this.blockConfig = {
      dModel,
      numHeads,
      ffnDim,
      dropout: rate,
      activation,
      normFirst,
      attentionRank,
      returnAttention,
      layerNormEpsilon,
      seed,
      padId: configPadId(config),
      int8: int8 === true,
    };
  }

  private get attentionConfig(): AttentionConfig {
    const c = this.blockConfig;
    return { dModel: c.dModel, numHeads: c.numHeads, attentionRank: c.attentionRank, attentionDropout: c.dropout };
  }

  override build(): void {
    const { dModel: d, ffnDim: f, seed, int8 } = this.blockConfig;
    const add: AddWeight = (name, shape, init, dtype = 'float32', trainable = true) =>
      this.addWeight(name, shape, dtype, init, undefined, trainable);
    const ones = tf.initializers.ones();
    const zeros = tf.initializers.zeros();
    const glorot = (i: number) => tf.initializers.glorotUniform({ seed: weightSeed(seed, i) });
    this.attention = addAttentionWeights(add, this.attentionConfig, seed, int8);
    this.norm1Gamma = add('norm1_gamma', [d], ones);
    this.norm1Beta = add('norm1_beta', [d], zeros);
    this.ffn1Kernel = addDenseKernel(add, 'ffn1_kernel', [d, f], glorot(10), int8);
    this.ffn1Bias = add('ffn1_bias', [f], zeros);
    this.ffn2Kernel = addDenseKernel(add, 'ffn2_kernel', [f, d], glorot(11), int8);
    this.ffn2Bias = add('ffn2_bias', [d], zeros);
    this.norm2Gamma = add('norm2_gamma', [d], ones);
    this.norm2Beta = add('norm2_beta', [d], zeros);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    const x = (inputShape as tf.Shape[])[0];
    if (!this.blockConfig.returnAttention) return x;
    return [x, [x[0], this.blockConfig.numHeads, x[1], x[1]]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor | tf.Tensor[] {
    const [x, ids] = inputs as [tf.Tensor3D, tf.Tensor2D];
    const training = kwargs.training === true;
    if (!this.blockConfig.returnAttention) return this.forward(x, ids, training);
    const key = `${x.id}:${ids.id}:${training}`;
    const earlier = this.pending.get(key);
    this.pending.delete(key);
    if (earlier?.every((t) => !t.isDisposed)) return earlier;
    const out = this.forward(x, ids, training) as tf.Tensor[];
    this.pending.set(key, out);
    // Entries nobody asked for twice (a graph that uses only one output) must not pile up.
    if (this.pending.size > 64) this.pending.delete(this.pending.keys().next().value as string);
    return out;
  }

  /** The block itself: [x', probs] when returnAttention, else x'. */
  private forward(x: tf.Tensor3D, ids: tf.Tensor2D, training: boolean): tf.Tensor | tf.Tensor[] {
    return tf.tidy(() => {
      const c = this.blockConfig;
      const eps = c.layerNormEpsilon;
      const mask = paddingMask(ids, c.padId);
      const norm1 = (t: tf.Tensor) => layerNorm(t, readWeight(this.norm1Gamma), readWeight(this.norm1Beta), eps);
      const norm2 = (t: tf.Tensor) => layerNorm(t, readWeight(this.norm2Gamma), readWeight(this.norm2Beta), eps);
      const attend = (t: tf.Tensor) => {
        const { output, probs } = selfAttention(t as tf.Tensor3D, mask, this.attention, this.attentionConfig, {
          training,
          needProbs: c.returnAttention,
        });
        return { output: dropout(output, { rate: c.dropout, training }), probs };
      };
      const feedForward = (t: tf.Tensor) => {
        const hidden = activate(dense(t, this.ffn1Kernel, readWeight(this.ffn1Bias)), c.activation);
        const inner = dropout(hidden, { rate: c.dropout, training }); // [b, s, f]
        return dropout(dense(inner, this.ffn2Kernel, readWeight(this.ffn2Bias)), { rate: c.dropout, training });
      };
      let y: tf.Tensor;
      let probs: tf.Tensor4D | undefined;
      if (c.normFirst) {
        const a = attend(norm1(x));
        probs = a.probs;
        const h = tf.add(x, a.output);
        y = tf.add(h, feedForward(norm2(h)));
      } else {
        const a = attend(x);
        probs = a.probs;
        const h = norm1(tf.add(x, a.output));
        y = norm2(tf.add(h, feedForward(h)));
      }
      const out = layerOutput(this.name, y);
      return c.returnAttention ? [out, applyPrecision(probs as tf.Tensor4D)] : out;
    });
  }

  /**
   * TF.js counts every symbolic application in `_refCount` and the owning model's `dispose()`
   * decrements it once, so a block shared by k layers would keep its weights alive forever. A block
   * belongs to exactly one encoder, so disposing it once releases its weights.
   */
  override dispose(): { refCountAfterDispose: number; numDisposedVariables: number } {
    if ((this._refCount ?? 0) > 1) this._refCount = 1;
    this.pending.clear();
    return super.dispose();
  }

  override getConfig(): tf.serialization.ConfigDict {
    const { attentionRank, seed, int8, ...rest } = this.blockConfig;
    return {
      ...super.getConfig(),
      ...rest,
      ...(attentionRank === undefined ? {} : { attentionRank }),
      ...(seed === undefined ? {} : { seed }),
      ...(int8 ? { int8 } : {}),
    };
  }
}
