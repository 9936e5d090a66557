import type * as tf from '@tensorflow/tfjs';
import { addWasmKernels } from './override.js';
import { simdKernels } from './simd/instance.js';
import type { WasmKernelArgs } from './wasm-backend-types.js';

/**
 * The AdamW update of one variable as one wasm SIMD pass (`scripts/simd/adamw-wat.ts`) instead of twelve tfjs ops,
 * each a pass over the variable: on the bench student (1.4M parameters, most in the embedding table) the optimizer
 * step is ~50 ms of composite ops per update. Bit-identical to the composite ops (same float32 operations in the same
 * order). The caller is `AdamW.applyGradients` in `../../train/adamw.ts`.
 */

/**
 * Kernel name (registered for wasm only).
 *
 * @example
 * ```ts
 * const [p2, m2, v2] = tf.engine().runKernel(adamwKernelName, { p, g, m, v }, attrs) as tf.Tensor[];
 * ```
 */
export const adamwKernelName = 'TfdAdamW';

/** The update's scalars, as `AdamW.applyGradients` computes them (float64 on the host, float32 in the kernel). */
export interface AdamWAttrs {
  /** 1 - lr * weightDecay, or 1 without decay. */
  decay: number;
  beta1: number;
  beta2: number;
  /** sqrt(1 - beta2^t). */
  bc2Sqrt: number;
  epsilon: number;
  /** lr / (1 - beta1^t). */
  stepSize: number;
}

function adamwKernel({ inputs: { p, g, m, v }, backend, attrs: a }: WasmKernelArgs<'p' | 'g' | 'm' | 'v', AdamWAttrs>): tf.TensorInfo[] {
  const outputs = [p, m, v].map((t) => backend.makeOutput(t.shape, 'float32'));
  const at = (t: tf.TensorInfo) => backend.getMemoryOffset(t.dataId);
  const count = p.shape.reduce((n, d) => n * d, 1);
  if (count > 0) {
    simdKernels(backend).adamw(
      at(p),
      at(g),
      at(m),
      at(v),
      ...(outputs.map(at) as [number, number, number]),
      count,
      a.decay,
      a.beta1,
      1 - a.beta1,
      a.beta2,
      1 - a.beta2,
      a.bc2Sqrt,
      a.epsilon,
      a.stepSize,
    );
  }
  return outputs;
}

/**
 * Registers the kernel for wasm (idempotent).
 *
 * @example
 * ```ts
 * registerAdamWKernel();
 * ```
 */
export function registerAdamWKernel(): void {
  addWasmKernels({ [adamwKernelName]: adamwKernel });
}
