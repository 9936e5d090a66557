import * as tf from '@tensorflow/tfjs';
import { fusedGelu, fusedLayerNorm } from '../../backend/fused-ops.js';
import { linearKernelName, linearKernelTakes } from '../../backend/wasm-kernels/linear.js';
import { TfdistillError } from '../../errors.js';

/**
 * Small tensor functions shared by the tfdistill layers. Pure: no weights, no state.
 */

/**
 * Keyword arguments TF.js passes to `Layer.call` (`training` is set by `model.apply(x, { training })`).
 *
 * @example
 * ```ts
 * override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs) { const training = kwargs.training === true; }
 * ```
 */
export type CallKwargs = { training?: boolean; [key: string]: unknown };

/**
 * Constructor arguments of every TF.js layer (name, trainable, ...).
 *
 * @example
 * ```ts
 * constructor(config: MyConfig & BaseLayerArgs) { super(config); }
 * ```
 */
export type BaseLayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

/**
 * Affine map over the last axis, for inputs of any rank.
 *
 * @param x [..., in]
 * @param kernel [in, out]
 * @param bias [out]
 * @returns [..., out]
 * @example
 * ```ts
 * const y = linear(x, w, b); // [batch, seq, out]
 * ```
 */
export function linear(x: tf.Tensor, kernel: tf.Tensor, bias?: tf.Tensor): tf.Tensor {
  // On wasm one tfdistill kernel (the SIMD matmul adds the bias as it stores); elsewhere one fused op.
  if (linearKernelTakes(x, kernel, bias)) {
    return tf.engine().runKernel(linearKernelName, bias === undefined ? { x, kernel } : { x, kernel, bias }) as tf.Tensor;
  }
  return tf.tidy(() => {
    const inDim = x.shape[x.shape.length - 1];
    const outDim = kernel.shape[1] as number;
    const y = tf.fused.matMul({ a: x.reshape([-1, inDim]) as tf.Tensor2D, b: kernel as tf.Tensor2D, bias }); // [n, out]
    return y.reshape([...x.shape.slice(0, -1), outDim]);
  });
}

/**
 * Layer normalisation over the last axis (biased variance, as torch.nn.LayerNorm).
 *
 * @param x [..., d]
 * @param gamma [d]
 * @param beta [d]
 * @example
 * ```ts
 * const y = layerNorm(x, gamma, beta, 1e-5); // [batch, seq, d]
 * ```
 */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): tf.Tensor {
  // One fused op each way (on wasm a single pass; elsewhere the same formulas) instead of ~9 ops forward and ~25
  // autodiff ops backward.
  return fusedLayerNorm(x, gamma, beta, epsilon);
}

/**
 * Feed-forward activations; `gelu` is the exact erf form (torch's default), not the tanh approximation.
 *
 * @example
 * ```ts
 * createEncoder({ ...options, activation: 'relu' });
 * ```
 */
export type Activation = 'gelu' | 'relu';

/**
 * Applies a named activation.
 *
 * @example
 * ```ts
 * const h = activate(x, 'gelu'); // 0.5 x (1 + erf(x / sqrt 2))
 * ```
 */
export function activate(x: tf.Tensor, activation: Activation): tf.Tensor {
  return tf.tidy(() => {
    if (activation === 'relu') return tf.relu(x);
    return fusedGelu(x); // x * Phi(x), one op each way with a hand-written gradient
  });
}

/**
 * Padding mask derived from token ids: 1 for real tokens, 0 for padding (`ids == padId`).
 *
 * @param ids int32 [batch, seq]
 * @param padId the tokenizer's pad id (0 for tfdistill's WordPiece and BERT, 1 for RoBERTa / XLM-R)
 * @returns float32 [batch, seq]
 * @example
 * ```ts
 * paddingMask(tf.tensor2d([[5, 7, 0]], undefined, 'int32')); // [[1, 1, 0]]
 * paddingMask(tf.tensor2d([[0, 7, 1]], undefined, 'int32'), 1); // [[1, 1, 0]]
 * ```
 */
export function paddingMask(ids: tf.Tensor, padId = 0): tf.Tensor2D {
  // A pad scalar of ids' own dtype: `notEqual(ids, padId)` would cast both sides to float32 first (two more kernels).
  return tf.tidy(() => tf.notEqual(ids, tf.scalar(padId, ids.dtype)).toFloat() as tf.Tensor2D);
}

/**
 * The `padId` of a layer config: 0 when absent (models saved before the field existed), else a non-negative
 * integer. Throws `TfdistillError('INVALID_ARGUMENT')` for anything else.
 *
 * @example
 * ```ts
 * this.padId = configPadId(config); // 0 for an old saved block
 * ```
 */
export function configPadId(config: { padId?: unknown }): number {
  const { padId = 0 } = config;
  if (typeof padId !== 'number' || !Number.isInteger(padId) || padId < 0) {
    throw new TfdistillError('INVALID_ARGUMENT', `padId must be a non-negative integer, got ${String(padId)}`);
  }
  return padId;
}

/**
 * Deterministic per-weight initializer seeds: weight `index` of a layer seeded `seed` gets
 * `seed * 97 + index`, so two layers with different seeds never share streams in practice.
 * `undefined` keeps TF.js's unseeded (random) initialisation.
 *
 * @example
 * ```ts
 * tf.initializers.glorotUniform({ seed: weightSeed(layerSeed, 0) });
 * ```
 */
export function weightSeed(seed: number | undefined, index: number): number | undefined {
  return seed === undefined ? undefined : (seed * 97 + index) % 0x7fffffff;
}
