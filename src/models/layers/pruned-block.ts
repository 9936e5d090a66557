import * as tf from '@tensorflow/tfjs';
import { dropout } from '../dropout.js';
import { layerOutput } from '../activation-hook.js';
import { applyPrecision } from '../precision.js';
import { addDenseKernel, dense, readWeight, type AddWeight, type DenseKernel } from './weights.js';
import { activate, configPadId, layerNorm, paddingMask, type Activation, type BaseLayerArgs, type CallKwargs } from './ops.js';

/**
 * Configuration of {@link TfdPrunedEncoderBlock}: an encoder block whose heads keep their original width
 * `headDim` after some heads were removed, so `numHeads * headDim` may be smaller than `dModel`.
 */
export interface PrunedBlockConfig {
  dModel: number;
  numHeads: number;
  headDim: number;
  ffnDim: number;
  dropout: number;
  activation: Activation;
  normFirst: boolean;
  returnAttention: boolean;
  layerNormEpsilon: number;
  /** Token id that marks padding, carried over from the block it replaces. Default 0. */
  padId?: number;
  /** Dense kernels stored as int8 columns (`quantize --dtype int8`, inference only), as `EncoderBlockConfig.int8`. */
  int8?: boolean;
}

/**
 * A `TfdEncoderBlock` after structured pruning: same computation, same weight names and order
 * (qkv_kernel [d, 3hk], qkv_bias [3hk], out_kernel [hk, d], out_bias, norm1, ffn1 [d, f], ffn1_bias,
 * ffn2 [f, d], ffn2_bias, norm2; h heads of width k), but the attention width h*k is free. Registered for
 * serialization, so a pruned checkpoint loads with `tf.loadLayersModel` once tfdistill is imported.
 *
 * @example
 * ```ts
 * const y = new TfdPrunedEncoderBlock({ ...config, name: 'block_0' }).apply([x, ids]) as tf.SymbolicTensor;
 * ```
 */
export class TfdPrunedEncoderBlock extends tf.layers.Layer {
  static className = 'TfdPrunedEncoderBlock';
  readonly blockConfig: PrunedBlockConfig & { padId: number };
  private vars: Record<string, tf.LayerVariable> = {};
  private kernels: Record<string, DenseKernel> = {};

  constructor(config: PrunedBlockConfig & BaseLayerArgs) {
    super(config);
    const { dModel, numHeads, headDim, ffnDim, dropout: rate, activation, normFirst, returnAttention, layerNormEpsilon, int8 } = config;
    this.blockConfig = {
      dModel,
      numHeads,
      headDim,
      ffnDim,
      dropout: rate,
      activation,
      normFirst,
      returnAttention,
      layerNormEpsilon,
      padId: configPadId(config),
      ...(int8 ? { int8 } : {}),
    };
  }

  override build(): void {
    const { dModel: d, numHeads: h, headDim: k, ffnDim: f } = this.blockConfig;
    const zeros = tf.initializers.zeros();
    const ones = tf.initializers.ones();
    const shapes: Array<[string, number[], ReturnType<typeof tf.initializers.zeros>]> = [
      ['qkv_kernel', [d, 3 * h * k], zeros],
      ['qkv_bias', [3 * h * k], zeros],
      ['out_kernel', [h * k, d], zeros],
      ['out_bias', [d], zeros],
      ['norm1_gamma', [d], ones],
      ['norm1_beta', [d], zeros],
      ['ffn1_kernel', [d, f], zeros],
      ['ffn1_bias', [f], zeros],
      ['ffn2_kernel', [f, d], zeros],
      ['ffn2_bias', [d], zeros],
      ['norm2_gamma', [d], ones],
      ['norm2_beta', [d], zeros],
    ];
    const add: AddWeight = (name, shape, init, dtype = 'float32', trainable = true) =>
      this.addWeight(name, shape, dtype, init, undefined, trainable);
    for (const [name, shape, init] of shapes) {
      if (name.endsWith('_kernel'))
        this.kernels[name] = addDenseKernel(add, name, shape as [number, number], init, this.blockConfig.int8 === true);
      else this.vars[name] = add(name, shape, init);
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    const x = (inputShape as tf.Shape[])[0];
    return this.blockConfig.returnAttention ? [x, [x[0], this.blockConfig.numHeads, x[1], x[1]]] : x;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor | tf.Tensor[] {
    return tf.tidy(() => {
      const [x, ids] = inputs as [tf.Tensor3D, tf.Tensor2D];
      const training = kwargs.training === true;
      const c = this.blockConfig;
      const w = (name: string) => readWeight(this.vars[name]);
      const mask = paddingMask(ids, c.padId);
      const norm = (t: tf.Tensor, i: 1 | 2) => layerNorm(t, w(`norm${i}_gamma`), w(`norm${i}_beta`), c.layerNormEpsilon);
      const attend = (t: tf.Tensor3D) => {
        const [b, s] = t.shape;
        const { numHeads: h, headDim: k } = c;
        const qkv = dense(t, this.kernels.qkv_kernel, w('qkv_bias')).reshape([b, s, 3, h, k]).transpose([2, 0, 3, 1, 4]); // [3, b, h, s, k]
        const [q, kk, v] = tf.unstack(qkv) as tf.Tensor4D[];
        const scores = tf.matMul(q, kk, false, true).mul(1 / Math.sqrt(k)); // [b, h, s, s]
        const keyBias = tf.sub(1, mask).mul(-1e9).reshape([b, 1, 1, s]);
        const probs = tf.softmax(tf.add(scores, keyBias)) as tf.Tensor4D;
        const dropped = dropout(probs, { rate: c.dropout, training });
        const context = tf
          .matMul(dropped, v)
          .transpose([0, 2, 1, 3])
          .reshape([b, s, h * k]); // [b, s, hk]
        const output = dropout(dense(context, this.kernels.out_kernel, w('out_bias')), { rate: c.dropout, training });
        return { output, probs };
      };
      const feedForward = (t: tf.Tensor) => {
        const hidden = dropout(activate(dense(t, this.kernels.ffn1_kernel, w('ffn1_bias')), c.activation), { rate: c.dropout, training });
        return dropout(dense(hidden, this.kernels.ffn2_kernel, w('ffn2_bias')), { rate: c.dropout, training });
      };
      let y: tf.Tensor;
      let probs: tf.Tensor4D;
      if (c.normFirst) {
        const a = attend(norm(x, 1) as tf.Tensor3D);
        probs = a.probs;
        const h = tf.add(x, a.output);
        y = tf.add(h, feedForward(norm(h, 2)));
      } else {
        const a = attend(x);
        probs = a.probs;
        const h = norm(tf.add(x, a.output), 1);
        y = norm(tf.add(h, feedForward(h)), 2);
      }
      const out = layerOutput(this.name, y);
      return c.returnAttention ? [out, applyPrecision(probs)] : out;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...this.blockConfig };
  }
}
