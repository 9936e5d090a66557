import * as tf from '@tensorflow/tfjs';
import { geluKernelNames } from './wasm-kernels/gelu.js';
import { layerNormKernelNames } from './wasm-kernels/layer-norm.js';

/**
 * Layer norm and exact GELU with hand-written gradients. On wasm both are one tfdistill kernel each way
 * (`wasm-kernels/layer-norm.ts`, `wasm-kernels/gelu.ts`, gradients registered with the kernels); elsewhere they are
 * the same formulas as tfjs ops under `tf.customGrad`, GELU's with the forward's CDF reused by the backward so that
 * erf runs once per step instead of autodiff's erf + exp + 6 more passes.
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
      gradFunc: (dy: tf.Tensor, [xs, phi]: tf.Tensor[]) => tf.tidy(() => {
        const pdf = tf.mul(tf.exp(tf.mul(tf.square(xs), -0.5)), 1 / Math.sqrt(2 * Math.PI));
        return tf.mul(dy, tf.add(phi, tf.mul(xs, pdf)));
      }),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x);
}
