import * as tf from '@tensorflow/tfjs';
import { simdKernels } from './simd/instance.js';
import { addWasmKernels } from './override.js';
import type { WasmKernelArgs } from './wasm-backend-types.js';

/**
 * Exact GELU for tfjs-backend-wasm, forward and backward, as one wasm SIMD pass each (`scripts/simd/kernels-wat.ts`). Composed
 * from tfjs ops the forward is 5 kernels, one of them the backend's scalar `erf` (~13 ns an element), and the
 * backward 6 more; these run at ~1.5 and ~3 ns an element. The forward kernel has its gradient registered
 * (no `tf.customGrad` scope per call); the tfjs-facing op is `fusedGelu` in `../fused-ops.ts`.
 */

/**
 * Kernel names (registered for wasm only; other backends use the composite ops).
 *
 * @example
 * ```ts
 * const y = tf.engine().runKernel(geluKernelNames.forward, { x }) as tf.Tensor;
 * ```
 */
export const geluKernelNames = {
  forward: 'TfdGelu',
  backward: 'TfdGeluGrad',
} as const;

/** y = x * Phi(x). */
function gelu({ inputs: { x }, backend }: WasmKernelArgs<'x'>): tf.TensorInfo {
  const out = backend.makeOutput(x.shape, 'float32');
  const n = tf.util.sizeFromShape(x.shape);
  if (n > 0) simdKernels(backend).gelu(backend.getMemoryOffset(x.dataId), backend.getMemoryOffset(out.dataId), n);
  return out;
}

/** dx = dy * (Phi(x) + x * phi(x)). */
function geluGrad({ inputs: { x, dy }, backend }: WasmKernelArgs<'x' | 'dy'>): tf.TensorInfo {
  const out = backend.makeOutput(x.shape, 'float32');
  const n = tf.util.sizeFromShape(x.shape);
  if (n > 0) {
    simdKernels(backend).geluGrad(
      backend.getMemoryOffset(x.dataId),
      backend.getMemoryOffset(dy.dataId),
      backend.getMemoryOffset(out.dataId),
      n,
    );
  }
  return out;
}

/**
 * Registers the GELU kernels for wasm (idempotent).
 *
 * @example
 * ```ts
 * registerGeluKernels();
 * const dx = tf.engine().runKernel('TfdGeluGrad', { x, dy }) as tf.Tensor;
 * ```
 */
export function registerGeluKernels(): void {
  addWasmKernels({ [geluKernelNames.forward]: gelu, [geluKernelNames.backward]: geluGrad });
  if (tf.getGradient(geluKernelNames.forward) === undefined) {
    tf.registerGradient({
      kernelName: geluKernelNames.forward,
      inputsToSave: ['x'],
      gradFunc: (dy, [x]) => ({ x: () => tf.engine().runKernel(geluKernelNames.backward, { x, dy: dy as tf.Tensor }) as tf.Tensor }),
    });
  }
}
