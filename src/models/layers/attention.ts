import * as tf from '@tensorflow/tfjs';
import { attentionContext, attentionParts } from '../../backend/fused-ops.js';
import { dropout } from '../dropout.js';
import { linear, weightSeed } from './ops.js';
import { addDenseKernel, dense, readWeight, type AddWeight, type DenseKernel } from './weights.js';

/**
 * Hyper-parameters of multi-head self-attention.
 */
export interface AttentionConfig {
  dModel: number;
  numHeads: number;
  /**
   * Rank r of factorised q/k/v projections: W = D U with D [d, r], U [r, d] (per projection), i.e.
   * 6dr + 3d parameters instead of 3d^2 + 3d. Undefined: full-rank fused [d, 3d] projection.
   */
  attentionRank?: number;
  /** Dropout on the attention probabilities (torch's MultiheadAttention `dropout`). */
  attentionDropout: number;
}

/**
 * The variables of one attention module. Exactly one of `qkvKernel` / (`qkvDown`, `qkvUp`) is set.
 *
 * @example
 * ```ts
 * const w: AttentionWeights = addAttentionWeights(add, config, seed);
 * ```
 */
export interface AttentionWeights {
  /** [d, 3d], columns q | k | v (torch's in_proj_weight transposed). */
  qkvKernel?: DenseKernel;
  /** [d, 3r], columns q | k | v down-projections (low rank only). */
  qkvDown?: tf.LayerVariable;
  /** [3, r, d], the q, k, v up-projections (low rank only). */
  qkvUp?: tf.LayerVariable;
  /** [3d] */
  qkvBias: tf.LayerVariable;
  /** [d, d] */
  outKernel: DenseKernel;
  /** [d] */
  outBias: tf.LayerVariable;
}

/**
 * Creates the attention variables on the owning layer. Kernels: Glorot-uniform (seeded); biases: zeros.
 *
 * @example
 * ```ts
 * this.attn = addAttentionWeights((n, s, i) => this.addWeight(n, s, 'float32', i), config, seed);
 * ```
 */
export function addAttentionWeights(add: AddWeight, config: AttentionConfig, seed?: number, int8 = false): AttentionWeights {
  const d = config.dModel;
  const glorot = (i: number) => tf.initializers.glorotUniform({ seed: weightSeed(seed, i) });
  const zeros = tf.initializers.zeros();
  const r = config.attentionRank;
  const projection =
    r === undefined
      ? { qkvKernel: addDenseKernel(add, 'qkv_kernel', [d, 3 * d], glorot(0), int8) }
      : { qkvDown: add('qkv_down', [d, 3 * r], glorot(0)), qkvUp: add('qkv_up', [3, r, d], glorot(1)) };
  return {
    ...projection,
    qkvBias: add('qkv_bias', [3 * d], zeros),
    outKernel: addDenseKernel(add, 'out_kernel', [d, d], glorot(2), int8),
    outBias: add('out_bias', [d], zeros),
  };
}

/** q | k | v projections, [batch, seq, 3d]. */
function projectQkv(x: tf.Tensor3D, w: AttentionWeights, config: AttentionConfig): tf.Tensor {
  const bias = readWeight(w.qkvBias);
  if (w.qkvKernel) return dense(x, w.qkvKernel, bias);
  const [b, s, d] = x.shape;
  const r = config.attentionRank as number;
  const down = linear(x, readWeight(w.qkvDown as tf.LayerVariable)); // [b, s, 3r]
  const perProjection = down.reshape([b * s, 3, r]).transpose([1, 0, 2]); // [3, b*s, r]
  const up = tf.matMul(perProjection, readWeight(w.qkvUp as tf.LayerVariable) as tf.Tensor3D); // [3, b*s, d]
  return up
    .transpose([1, 0, 2])
    .reshape([b, s, 3 * d])
    .add(bias);
}

/**
 * Multi-head scaled dot-product self-attention with a key padding mask:
 * softmax(q k^T / sqrt(d_head) + mask_bias) v, where padded key columns get -1e9 (exp underflows to
 * exactly 0, so padding never receives attention and a row's result does not depend on how much
 * padding follows it). In inference without `needProbs`, the core runs as one kernel where the backend has one
 * (`attentionContext`).
 *
 * @param x [batch, seq, d]
 * @param mask [batch, seq], 1 = real token
 * @param options `needProbs` (default true): also return the probabilities
 * @returns output [batch, seq, d] and, when asked for, the attention probabilities [batch, heads, seq, seq] (before
 *   dropout)
 * @example
 * ```ts
 * const { output, probs } = selfAttention(x, mask, weights, config, { training: false });
 * ```
 */
export function selfAttention(
  x: tf.Tensor3D,
  mask: tf.Tensor2D,
  weights: AttentionWeights,
  config: AttentionConfig,
  options: { training: boolean; needProbs?: boolean },
): { output: tf.Tensor3D; probs?: tf.Tensor4D } {
  return tf.tidy(() => {
    const qkv = projectQkv(x, weights, config);
    const drop = (p: tf.Tensor4D) => dropout(p, { rate: config.attentionDropout, training: options.training });
    const { context, probs } =
      options.training || options.needProbs !== false
        ? attentionParts(qkv, mask, config.numHeads, drop)
        : { context: attentionContext(qkv, mask, config.numHeads), probs: undefined };
    const output = dense(context, weights.outKernel, readWeight(weights.outBias)) as tf.Tensor3D;
    return probs === undefined ? { output } : { output, probs };
  });
}
