import * as tf from '@tensorflow/tfjs';
import { addWasmKernels } from './override.js';
import { simdKernels } from './simd/instance.js';
import type { WasmKernelArgs } from './wasm-backend-types.js';

/**
 * Fused layer norm for tfjs-backend-wasm, forward and backward, in place on the wasm heap (no copies, a few passes
 * per row). Composed from tfjs ops it costs 9 kernels forward and ~25 autodiff kernels backward, each a full pass
 * over [batch*seq, d]. When d is a multiple of 4 (every model width in practice) the SIMD kernels of
 * `scripts/simd/kernels-wat.ts` run it (float32 arithmetic, dgamma and dbeta summed in float64); otherwise JS loops over
 * typed-array views do (float64 arithmetic), ~10x slower. The forward kernel has its gradient registered (no
 * `tf.customGrad` scope per call); the tfjs-facing op is `fusedLayerNorm` in `../fused-ops.ts`.
 */

/**
 * Kernel names (registered for wasm only; other backends use the composite ops).
 *
 * @example
 * ```ts
 * tf.getKernel(layerNormKernelNames.forward, 'wasm') !== undefined; // true after useBackend('wasm')
 * ```
 */
export const layerNormKernelNames = {
  forward: 'TfdLayerNorm',
  backward: 'TfdLayerNormGrad',
} as const;

/** y = (x - mean) * rstd * gamma + beta per row of the last axis; also outputs mean and rstd [rows]. */
function layerNorm({ inputs, backend, attrs }: WasmKernelArgs<'x' | 'gamma' | 'beta', { epsilon: number }>): tf.TensorInfo[] {
  const { x, gamma, beta } = inputs;
  const d = x.shape[x.shape.length - 1];
  const rows = tf.util.sizeFromShape(x.shape) / d;
  // Allocate first: allocation may grow the heap, which detaches typed arrays taken before it.
  const out = backend.makeOutput(x.shape, 'float32');
  const meanOut = backend.makeOutput([rows], 'float32');
  const rstdOut = backend.makeOutput([rows], 'float32');
  if (d % 4 === 0) {
    const at = (t: tf.TensorInfo) => backend.getMemoryOffset(t.dataId);
    simdKernels(backend).layerNorm(at(x), at(gamma), at(beta), at(out), at(meanOut), at(rstdOut), rows, d, attrs.epsilon);
    return [out, meanOut, rstdOut];
  }
  const [xs, g, b, y, means, rstds] = [x, gamma, beta, out, meanOut, rstdOut].map((t) => backend.typedArrayFromHeap(t) as Float32Array);
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    let sum = 0;
    for (let j = 0; j < d; j++) sum += xs[o + j];
    const mean = sum / d;
    let sq = 0;
    for (let j = 0; j < d; j++) {
      const c = xs[o + j] - mean;
      sq += c * c;
    }
    const rstd = 1 / Math.sqrt(sq / d + attrs.epsilon);
    for (let j = 0; j < d; j++) y[o + j] = (xs[o + j] - mean) * rstd * g[j] + b[j];
    means[r] = mean;
    rstds[r] = rstd;
  }
  return [out, meanOut, rstdOut];
}

/**
 * With xhat = (x - mean) * rstd and g = dy * gamma: dx = rstd * (g - mean(g) - xhat * mean(g * xhat)),
 * dgamma = sum_rows(dy * xhat), dbeta = sum_rows(dy).
 */
function layerNormGrad({ inputs, backend }: WasmKernelArgs<'dy' | 'x' | 'gamma' | 'mean' | 'rstd'>): tf.TensorInfo[] {
  const d = inputs.x.shape[inputs.x.shape.length - 1];
  const rows = tf.util.sizeFromShape(inputs.x.shape) / d;
  const dxOut = backend.makeOutput(inputs.x.shape, 'float32');
  const dgOut = backend.makeOutput([d], 'float32');
  const dbOut = backend.makeOutput([d], 'float32');
  if (d % 4 === 0) {
    const scratch = backend.makeOutput([4 * d], 'float32'); // 2d float64s
    const at = (t: tf.TensorInfo) => backend.getMemoryOffset(t.dataId);
    const { dy, x, gamma, mean, rstd } = inputs;
    simdKernels(backend).layerNormGrad(at(dy), at(x), at(gamma), at(mean), at(rstd), at(dxOut), at(dgOut), at(dbOut), at(scratch), rows, d);
    backend.disposeData(scratch.dataId);
    return [dxOut, dgOut, dbOut];
  }
  const [dy, xs, gamma, means, rstds, dx, dgOut32, dbOut32] = [
    inputs.dy,
    inputs.x,
    inputs.gamma,
    inputs.mean,
    inputs.rstd,
    dxOut,
    dgOut,
    dbOut,
  ].map((t) => backend.typedArrayFromHeap(t) as Float32Array);
  const dg = new Float64Array(d);
  const db = new Float64Array(d);
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    const mean = means[r];
    const rstd = rstds[r];
    let sumG = 0;
    let sumGX = 0;
    for (let j = 0; j < d; j++) {
      const xhat = (xs[o + j] - mean) * rstd;
      const g = dy[o + j] * gamma[j];
      sumG += g;
      sumGX += g * xhat;
      dg[j] += dy[o + j] * xhat;
      db[j] += dy[o + j];
    }
    const meanG = sumG / d;
    const meanGX = sumGX / d;
    for (let j = 0; j < d; j++) {
      const xhat = (xs[o + j] - mean) * rstd;
      dx[o + j] = rstd * (dy[o + j] * gamma[j] - meanG - xhat * meanGX);
    }
  }
  dgOut32.set(dg);
  dbOut32.set(db);
  return [dxOut, dgOut, dbOut];
}

/**
 * Registers the layer norm kernels for wasm (idempotent).
 *
 * @example
 * ```ts
 * registerLayerNormKernels();
 * const [y, mean, rstd] = tf.engine().runKernel('TfdLayerNorm', { x, gamma, beta }, { epsilon: 1e-5 });
 * ```
 */
export function registerLayerNormKernels(): void {
  addWasmKernels({ [layerNormKernelNames.forward]: layerNorm, [layerNormKernelNames.backward]: layerNormGrad });
  if (tf.getGradient(layerNormKernelNames.forward) === undefined) {
    tf.registerGradient({
      kernelName: layerNormKernelNames.forward,
      inputsToSave: ['x', 'gamma'],
      outputsToSave: [false, true, true], // mean, rstd
      gradFunc: (dys, [x, gamma, mean, rstd]) => {
        const dy = (dys as tf.Tensor[])[0]; // mean and rstd are not differentiated through
        const [dx, dgamma, dbeta] = tf.engine().runKernel(layerNormKernelNames.backward, { dy, x, gamma, mean, rstd }) as tf.Tensor[];
        return { x: () => dx, gamma: () => dgamma, beta: () => dbeta };
      },
    });
  }
}
