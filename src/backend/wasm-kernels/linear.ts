import * as tf from '@tensorflow/tfjs';
import { trySimdMatMul } from './batch-matmul.js';
import { addWasmKernels } from './override.js';
import { simdSwitches } from './simd/switches.js';
import type { WasmKernelArgs } from './wasm-backend-types.js';

/**
 * A dense layer, y = x W + b over the last axis of x of any rank, as one wasm kernel running the SIMD matmul (the
 * bias added as tiles are stored). Through `tf.fused.matMul` the same is seven engine calls: the op's reshapes of x
 * to 2-D and of both operands to 3-D, its gradient scope, the kernel, and the reshapes back, a quarter of a batch-1
 * student forward's engine time. The gradient is registered with the kernel (the same three matmul/sum formulas as
 * `tf.fused.matMul`'s). The tfjs-facing op is `linear` in `../../models/layers/ops.ts`.
 */

/**
 * Kernel name (registered for wasm only).
 *
 * @example
 * ```ts
 * tf.getKernel(linearKernelName, 'wasm') !== undefined; // true after useBackend('wasm')
 * ```
 */
export const linearKernelName = 'TfdLinear';

const size = (shape: number[]): number => shape.reduce((p, d) => p * d, 1);

/**
 * Whether `linear(x, kernel, bias)` can run as the `TfdLinear` kernel here: on wasm with the kernel registered,
 * float32 x [..., in] with rows (the product of its leading axes) a multiple of 4, kernel [in, out] with out a
 * multiple of 8, bias absent or float32 [out].
 *
 * @example
 * ```ts
 * if (linearKernelTakes(x, kernel, bias)) y = tf.engine().runKernel(linearKernelName, { x, kernel, bias }) as tf.Tensor;
 * ```
 */
export function linearKernelTakes(x: tf.Tensor, kernel: tf.Tensor, bias?: tf.Tensor): boolean {
  if (!simdSwitches.linear || !simdSwitches.matmul || tf.getBackend() !== 'wasm' || tf.getKernel(linearKernelName, 'wasm') === undefined) {
    return false;
  }
  const [inDim, outDim] = kernel.shape;
  return (
    x.dtype === 'float32' &&
    kernel.dtype === 'float32' &&
    kernel.rank === 2 &&
    x.rank >= 2 &&
    x.shape[x.rank - 1] === inDim &&
    size(x.shape) > 0 &&
    (size(x.shape) / inDim) % 4 === 0 &&
    outDim % 8 === 0 &&
    (bias === undefined || (bias.dtype === 'float32' && bias.rank === 1 && bias.shape[0] === outDim))
  );
}

function linearKernel({ inputs: { x, kernel, bias }, backend }: WasmKernelArgs<'x' | 'kernel' | 'bias'>): tf.TensorInfo {
  const [inDim, outDim] = kernel.shape;
  const rows = size(x.shape) / inDim;
  // The matmul reads x's buffer as [rows, in]; its [rows, out] result is returned in x's leading shape.
  const y = trySimdMatMul(backend, { ...x, shape: [rows, inDim] }, kernel, false, false, bias);
  if (y === undefined) throw new Error(`${linearKernelName}: shapes the SIMD matmul does not take (check linearKernelTakes first)`);
  return { ...y, shape: [...x.shape.slice(0, -1), outDim] };
}

/**
 * Registers the kernel for wasm and its gradient (idempotent).
 *
 * @example
 * ```ts
 * registerLinearKernel();
 * ```
 */
export function registerLinearKernel(): void {
  addWasmKernels({ [linearKernelName]: linearKernel });
  if (tf.getGradient(linearKernelName) === undefined) {
    tf.registerGradient({
      kernelName: linearKernelName,
      inputsToSave: ['x', 'kernel'],
      gradFunc: (dy, [x, kernel]) => {
        const [inDim, outDim] = kernel.shape;
        const dy2 = () => (dy as tf.Tensor).reshape([-1, outDim]);
        return {
          x: () => tf.matMul(dy2(), kernel, false, true).reshape(x.shape),
          kernel: () => tf.matMul(x.reshape([-1, inDim]), dy2(), true, false),
          bias: () => tf.sum(dy2(), 0),
        };
      },
    });
  }
}
