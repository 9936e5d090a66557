import type * as tf from '@tensorflow/tfjs';
import { plainMatMul, swapLastTwo, trySimdMatMul } from './batch-matmul.js';
import { wasmKernelOverride } from './override.js';
import { disposeTemp, type WasmKernelArgs } from './wasm-backend-types.js';

/**
 * `_FusedMatMul` (`tf.fused.matMul`, which `linear` uses for every dense layer) for tfjs-backend-wasm 4.22 without an
 * activation: a @ b + bias in one pass of the SIMD matmul kernel, the bias added as each output tile is stored (the
 * same float32 rounding as a matmul followed by an add). Activations, PReLU weights, broadcast biases and shapes the
 * SIMD kernel does not take go to the stock kernel (XNNPACK), with transposed operands transposed first: the stock
 * kernel computes transposed ones with a bias wrongly.
 */

type FusedMatMulArgs = WasmKernelArgs<
  'a' | 'b' | 'bias' | 'preluActivationWeights',
  { transposeA: boolean; transposeB: boolean; activation?: string }
>;

function fusedMatMul(args: FusedMatMulArgs): tf.TensorInfo {
  const {
    inputs: { a, b, bias, preluActivationWeights },
    backend,
    attrs: { transposeA, transposeB, activation },
  } = args;
  const linear = (activation === undefined || activation === 'linear') && preluActivationWeights === undefined;
  const ours = linear && plainMatMul(a, b, transposeA, transposeB) ? trySimdMatMul(backend, a, b, transposeA, transposeB, bias) : undefined;
  if (ours !== undefined) return ours;
  if (!transposeA && !transposeB) return override.stock()(args);
  // The stock kernel gets transposed operands with a bias wrong (tfjs 4.22: off by up to ~1 on [8, 5] x [16, 5]^T
  // + bias); hand it untransposed copies.
  const temps: tf.TensorInfo[] = [];
  const untransposed = (x: tf.TensorInfo, transposed: boolean): tf.TensorInfo => {
    if (!transposed) return x;
    temps.push(swapLastTwo(backend, x));
    return temps[temps.length - 1];
  };
  try {
    return override.stock()({
      ...args,
      inputs: { ...args.inputs, a: untransposed(a, transposeA), b: untransposed(b, transposeB) },
      attrs: { ...args.attrs, transposeA: false, transposeB: false },
    });
  } finally {
    for (const t of temps) disposeTemp(backend, t);
  }
}

const override = wasmKernelOverride('_FusedMatMul', fusedMatMul);

/**
 * Replaces the wasm `_FusedMatMul` kernel with the one above (idempotent).
 *
 * @example
 * ```ts
 * installFusedMatMulOverride();
 * tf.fused.matMul({ a: x, b: w, bias }); // one SIMD kernel call
 * ```
 */
export function installFusedMatMulOverride(): void {
  override.install();
}

/**
 * Puts the stock wasm `_FusedMatMul` kernel back (benchmarks and tests).
 *
 * @example
 * ```ts
 * restoreStockFusedMatMul();
 * ```
 */
export function restoreStockFusedMatMul(): void {
  override.restore();
}
