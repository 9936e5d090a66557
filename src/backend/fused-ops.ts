import * as tf from '@tensorflow/tfjs';
import { attentionKernelName, attentionKernelShaped } from './wasm-kernels/attention.js';
import { geluKernelNames } from './wasm-kernels/gelu.js';
import { layerNormKernelNames } from './wasm-kernels/layer-norm.js';
import { simdSwitches } from './wasm-kernels/simd/switches.js';

/**
 * Layer norm and exact GELU with hand-written gradients. On wasm both are one tfdistill kernel each way
 * (`wasm-kernels/layer-norm.ts`, `wasm-kernels/gelu.ts`, gradients registered with the kernels); elsewhere they are
 * the same formulas as tfjs ops under `tf.customGrad`, GELU's with the forward's CDF reused by the backward so that
 * erf runs once per step instead of autodiff's erf + exp + 6 more passes. Attention's core (q|k|v projection to
 * context) has an inference kernel on wasm (`wasm-kernels/attention.ts`) beside its composite ops.
 */

const fusedHere = (name: string): boolean => tf.getKernel(name, tf.getBackend()) !== undefined;
const run = (name: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap = {}) =>
  tf.engine().runKernel(name, inputs, attrs) as tf.Tensor | tf.Tensor[];

/** Composite forward: y, mean [rows], rstd [rows]. */
function layerNormParts(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): tf.Tensor[] {
  return tf.tidy(() => {
    const d = x.shape[x.rank - 1];
    const x2 = x.reshape([-1, d]); // [rows, d]
    const mean = tf.mean(x2, 1, true);
    const centered = tf.sub(x2, mean);
    const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(centered), 1, true), epsilon));
    const y = tf.add(tf.mul(tf.mul(centered, rstd), gamma), beta).reshape(x.shape);
    return [y, mean.reshape([-1]), rstd.reshape([-1])];
  });
}

/** Composite backward: dx, dgamma, dbeta (see the wasm kernel for the formulas). */
function layerNormGradParts(dy: tf.Tensor, x: tf.Tensor, gamma: tf.Tensor, mean: tf.Tensor, rstd: tf.Tensor): tf.Tensor[] {
  return tf.tidy(() => {
    const d = x.shape[x.rank - 1];
    const [dy2, m, s] = [dy.reshape([-1, d]), mean.reshape([-1, 1]), rstd.reshape([-1, 1])];
    const xhat = tf.mul(tf.sub(x.reshape([-1, d]), m), s); // [rows, d]
    const g = tf.mul(dy2, gamma);
    const dx = tf.mul(s, tf.sub(tf.sub(g, tf.mean(g, 1, true)), tf.mul(xhat, tf.mean(tf.mul(g, xhat), 1, true))));
    return [dx.reshape(x.shape), tf.sum(tf.mul(dy2, xhat), 0), tf.sum(dy2, 0)];
  });
}

/**
 * Layer normalisation over the last axis (biased variance, as torch.nn.LayerNorm), one op forward and one backward.
 *
 * @param x float32 [..., d]
 * @param gamma [d]
 * @param beta [d]
 * @returns [..., d]
 * @example
 * ```ts
 * const y = fusedLayerNorm(x, gamma, beta, 1e-5); // [batch, seq, d]
 * ```
 */
export function fusedLayerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): tf.Tensor {
  if (fusedHere(layerNormKernelNames.forward) && x.dtype === 'float32') {
    const [y, mean, rstd] = run(layerNormKernelNames.forward, { x, gamma, beta }, { epsilon }) as tf.Tensor[];
    tf.dispose([mean, rstd]); // the gradient keeps its own copies
    return y;
  }
  const op = tf.customGrad(((xIn: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const [y, mean, rstd] = layerNormParts(xIn, g, b, epsilon);
    save([xIn, g, mean, rstd]);
    return { value: y, gradFunc: (dy: tf.Tensor, [xs, gs, ms, rs]: tf.Tensor[]) => layerNormGradParts(dy, xs, gs, ms, rs) };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x, gamma, beta);
}

/**
 * Exact (erf) GELU, x * Phi(x), with gradient Phi(x) + x * phi(x) (Phi, phi: standard normal CDF and density).
 *
 * @param x float32, any shape
 * @example
 * ```ts
 * const h = fusedGelu(linear(x, w1, b1)); // [batch, seq, ffn]
 * ```
 */
export function fusedGelu(x: tf.Tensor): tf.Tensor {
  if (fusedHere(geluKernelNames.forward) && x.dtype === 'float32') return run(geluKernelNames.forward, { x }) as tf.Tensor;
  const op = tf.customGrad(((xIn: tf.Tensor, save: tf.GradSaveFunc) => {
    const cdf = tf.tidy(() => tf.add(tf.mul(tf.erf(tf.mul(xIn, Math.SQRT1_2)), 0.5), 0.5));
    save([xIn, cdf]);
    return {
      value: tf.mul(xIn, cdf),
      gradFunc: (dy: tf.Tensor, [xs, phi]: tf.Tensor[]) =>
        tf.tidy(() => {
          const pdf = tf.mul(tf.exp(tf.mul(tf.square(xs), -0.5)), 1 / Math.sqrt(2 * Math.PI));
          return tf.mul(dy, tf.add(phi, tf.mul(xs, pdf)));
        }),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x);
}

/** q, k, v [batch, heads, seq, headDim] of a fused projection [batch, seq, 3 * heads * headDim]. */
function splitHeads(qkv: tf.Tensor, numHeads: number): tf.Tensor4D[] {
  const [b, s, d3] = qkv.shape;
  const heads = qkv.reshape([b, s, 3, numHeads, d3 / 3 / numHeads]).transpose([2, 0, 3, 1, 4]); // [3, b, h, s, dh]
  return tf.unstack(heads) as tf.Tensor4D[];
}

/** softmax(q k^T / sqrt(headDim) + mask bias) [batch, heads, seq, seq] for q, k [batch, heads, seq, headDim]. */
function attentionProbs(q: tf.Tensor4D, k: tf.Tensor4D, mask: tf.Tensor): tf.Tensor4D {
  const [b, , s, dh] = q.shape;
  const scores = tf.matMul(q, k, false, true).mul(1 / Math.sqrt(dh)); // [b, h, s, s]
  const keyBias = tf.sub(1, mask).mul(-1e9).reshape([b, 1, 1, s]);
  return tf.softmax(tf.add(scores, keyBias)) as tf.Tensor4D;
}

/**
 * Scaled dot-product attention over the heads of a fused q|k|v projection, as tfjs ops:
 * softmax(q k^T / sqrt(headDim) + mask bias) v, where padded key columns get -1e9 (exp underflows to exactly 0, so
 * padding never receives attention and a row's result does not depend on how much padding follows it).
 *
 * @param qkv [batch, seq, 3 * numHeads * headDim], columns q | k | v, each head-major
 * @param mask [batch, seq], 1 = real token
 * @param dropProbs applied to the probabilities before they weight v (attention dropout); default none
 * @returns context [batch, seq, numHeads * headDim] and the probabilities [batch, heads, seq, seq] (before dropout)
 * @example
 * ```ts
 * const { context, probs } = attentionParts(qkv, mask, 2, (p) => dropout(p, { rate: 0.1, training: true }));
 * ```
 */
export function attentionParts(
  qkv: tf.Tensor,
  mask: tf.Tensor,
  numHeads: number,
  dropProbs = (p: tf.Tensor4D): tf.Tensor => p,
): { context: tf.Tensor3D; probs: tf.Tensor4D } {
  return tf.tidy(() => {
    const [b, s, d3] = qkv.shape;
    const [q, k, v] = splitHeads(qkv, numHeads);
    const probs = attentionProbs(q, k, mask);
    const context = tf
      .matMul(dropProbs(probs), v)
      .transpose([0, 2, 1, 3])
      .reshape([b, s, d3 / 3]) as tf.Tensor3D;
    return { context, probs };
  });
}

/**
 * The context of `attentionParts` without dropout and without keeping the probabilities: on wasm one kernel
 * (shapes permitting, see `attentionKernelShaped`), elsewhere the composite ops. Differentiable (the wasm kernel's
 * gradient, `attentionContextGradient`, recomputes the probabilities), but meant for inference.
 *
 * @param qkv float32 [batch, seq, 3 * numHeads * headDim]
 * @param mask float32 [batch, seq], 1 = real token
 * @example
 * ```ts
 * const context = attentionContext(qkv, paddingMask(ids), 2); // [batch, seq, d]
 * ```
 */
export function attentionContext(qkv: tf.Tensor, mask: tf.Tensor, numHeads: number): tf.Tensor3D {
  if (
    simdSwitches.attention &&
    fusedHere(attentionKernelName) &&
    qkv.dtype === 'float32' &&
    mask.dtype === 'float32' &&
    attentionKernelShaped(qkv.shape, mask.shape, numHeads)
  ) {
    return run(attentionKernelName, { qkv, mask }, { numHeads }) as tf.Tensor3D;
  }
  return tf.tidy(() => attentionParts(qkv, mask, numHeads).context);
}

/**
 * The gradient of `attentionContext` with respect to `qkv` (the wasm kernel's registered gradient), in tfjs ops: the
 * probabilities P are recomputed, then with dC the heads' context gradient, dV = P^T dC, dS = P * (dC V^T - rowsum(
 * dC V^T * P)), dQ = dS K / sqrt(dh), dK = dS^T Q / sqrt(dh). (Not `tf.grad` of the composite: a gradient computed
 * inside a gradient function ends the outer tape.)
 *
 * @example
 * ```ts
 * const dQkv = attentionContextGradient(dy, qkv, mask, 2); // [batch, seq, 3d]
 * ```
 */
export function attentionContextGradient(dy: tf.Tensor, qkv: tf.Tensor, mask: tf.Tensor, numHeads: number): tf.Tensor {
  return tf.tidy(() => {
    const [b, s, d3] = qkv.shape;
    const dh = d3 / 3 / numHeads;
    const scale = 1 / Math.sqrt(dh);
    const [q, k, v] = splitHeads(qkv, numHeads);
    const probs = attentionProbs(q, k, mask); // [b, h, s, s]
    const dContext = dy.reshape([b, s, numHeads, dh]).transpose([0, 2, 1, 3]) as tf.Tensor4D; // [b, h, s, dh]
    const dV = tf.matMul(probs, dContext, true, false);
    const dProbs = tf.matMul(dContext, v, false, true);
    const dScores = tf.mul(probs, tf.sub(dProbs, tf.sum(tf.mul(dProbs, probs), -1, true))).mul(scale) as tf.Tensor4D;
    const dQ = tf.matMul(dScores, k);
    const dK = tf.matMul(dScores, q, true, false);
    return tf.stack([dQ, dK, dV]).transpose([1, 3, 0, 2, 4]).reshape([b, s, d3]); // [b, s, 3, h, dh]
  });
}
