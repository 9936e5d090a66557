import * as tf from '@tensorflow/tfjs';
import { addWasmKernels } from './override.js';
import { simdKernels } from './simd/instance.js';
import { hasMatMulHelper, runMatMul } from './simd/matmul-threads.js';
import { disposeTemp, type WasmKernelArgs } from './wasm-backend-types.js';

/**
 * Multi-head self-attention's core for inference on tfjs-backend-wasm, from the fused q|k|v projection to the
 * heads' concatenated context, as one kernel: the strided SIMD matmul computes q k^T reading each head straight out
 * of q|k|v, one SIMD pass applies scale + key mask + softmax, and the matmul for p v writes each head's context
 * into place. As tfjs ops it is 13 kernels (reshapes, two transposes, an unstack, two matmuls, scale, mask bias,
 * add, softmax), each with its own dispatch and pass over memory. The attention probabilities are not kept, so the
 * layers use it only when nobody asks for them and no dropout applies; its registered gradient
 * (`attentionContextGradient`, analytic) recomputes them. The tfjs-facing op is `attentionContext` in
 * `../fused-ops.ts`.
 */

/**
 * Kernel name (registered for wasm only; other backends use the composite ops).
 *
 * @example
 * ```ts
 * tf.getKernel(attentionKernelName, 'wasm') !== undefined; // true after useBackend('wasm')
 * ```
 */
export const attentionKernelName = 'TfdAttentionContext';

/**
 * Whether the kernel takes these shapes: float32 q|k|v [batch, seq, 3 * heads * headDim] and mask [batch, seq],
 * with seq a multiple of 8 (the matmul kernel's tiles) and headDim of 8.
 *
 * @example
 * ```ts
 * attentionKernelShaped([1, 128, 384], [1, 128], 2); // true
 * ```
 */
export function attentionKernelShaped(qkvShape: number[], maskShape: number[], numHeads: number): boolean {
  if (qkvShape.length !== 3 || maskShape.length !== 2) return false;
  const [b, s, d3] = qkvShape;
  const headDim = d3 / 3 / numHeads;
  return Number.isInteger(headDim) && headDim % 8 === 0 && s % 8 === 0 && s > 0 && b > 0 && maskShape[0] === b && maskShape[1] === s;
}

/** context [b, s, h * dh] from qkv [b, s, 3 * h * dh] and mask [b, s]. */
function attentionContext({ inputs: { qkv, mask }, backend, attrs }: WasmKernelArgs<'qkv' | 'mask', { numHeads: number }>): tf.TensorInfo {
  const [b, s, d3] = qkv.shape;
  const h = attrs.numHeads;
  const d = d3 / 3;
  const dh = d / h;
  const out = backend.makeOutput([b, s, d], 'float32');
  const scores = backend.makeOutput([b, h, s, s], 'float32'); // then the probabilities
  const panel = backend.makeOutput([(hasMatMulHelper(backend) ? 2 : 1) * s * dh], 'float32');
  try {
    const at = (t: tf.TensorInfo) => backend.getMemoryOffset(t.dataId);
    const [qkvAt, scoresAt, outAt] = [at(qkv), at(scores), at(out)];
    const perHead = { batch: h, panel: at(panel), bias: 0 };
    // Per sequence: the heads are a batch of matmuls dh floats apart along q|k|v's rows of 3d.
    for (let i = 0; i < b; i++) {
      const q = qkvAt + i * s * d3 * 4;
      runMatMul(backend, {
        ...perHead,
        a: q,
        b: q + d * 4,
        c: scoresAt + i * h * s * s * 4,
        m: s,
        k: dh,
        n: s,
        bTransposed: 1,
        lda: d3,
        ldb: d3,
        ldc: s,
        strideA: dh,
        strideB: dh,
        strideC: s * s,
      });
    }
    simdKernels(backend).maskedSoftmax(scoresAt, at(mask), scoresAt, b * h * s, s, h * s, Math.fround(1 / Math.sqrt(dh)));
    for (let i = 0; i < b; i++) {
      const v = qkvAt + (i * s * d3 + 2 * d) * 4;
      runMatMul(backend, {
        ...perHead,
        a: scoresAt + i * h * s * s * 4,
        b: v,
        c: outAt + i * s * d * 4,
        m: s,
        k: s,
        n: dh,
        bTransposed: 0,
        lda: s,
        ldb: d3,
        ldc: d,
        strideA: s * s,
        strideB: dh,
        strideC: dh,
      });
    }
    return out;
  } finally {
    disposeTemp(backend, scores);
    disposeTemp(backend, panel);
  }
}

/**
 * Registers the kernel for wasm (idempotent), with `gradient` (`attentionContextGradient`) as its gradient.
 *
 * @example
 * ```ts
 * registerAttentionKernel(attentionContextGradient);
 * ```
 */
export function registerAttentionKernel(gradient: (dy: tf.Tensor, qkv: tf.Tensor, mask: tf.Tensor, numHeads: number) => tf.Tensor): void {
  addWasmKernels({ [attentionKernelName]: attentionContext });
  if (tf.getGradient(attentionKernelName) === undefined) {
    tf.registerGradient({
      kernelName: attentionKernelName,
      inputsToSave: ['qkv', 'mask'],
      gradFunc: (dy, [qkv, mask], attrs) => ({
        qkv: () => gradient(dy as tf.Tensor, qkv, mask, (attrs as unknown as { numHeads: number }).numHeads),
        mask: () => tf.zerosLike(mask),
      }),
    });
  }
}
