import { attentionContextGradient } from '../fused-ops.js';
import { registerAttentionKernel } from './attention.js';
import { installBatchMatMulOverride, restoreStockBatchMatMul } from './batch-matmul.js';
import { installGatherOverride, restoreStockGather } from './gather.js';
import { installIdentityOverride, restoreStockIdentity } from './identity.js';
import { installFusedMatMulOverride, restoreStockFusedMatMul } from './fused-matmul.js';
import { registerGeluKernels } from './gelu.js';
import { registerLayerNormKernels } from './layer-norm.js';
import { registerLinearKernel } from './linear.js';
import { registerInt8LinearKernel } from './linear-int8.js';
import { registerAdamWKernel } from './adamw.js';
import { installSliceOverrides, restoreStockSlices } from './slice.js';
import { installSumOverride, restoreStockSum } from './sum.js';
import { installTransposeOverride, restoreStockTranspose } from './transpose.js';
import { registerUnsortedSegmentSum } from './unsorted-segment-sum.js';

/**
 * Installs tfdistill's wasm kernels: the missing `UnsortedSegmentSum` (so `tf.gather` has a gradient), fused layer
 * norm, GELU, dense-layer and inference-attention kernels, and faster `BatchMatMul`, rank >= 5 `Transpose`, leading-axes `Sum`,
 * row-copy `GatherV2` and buffer-sharing `Identity`. Idempotent; `useBackend('wasm')` calls it.
 *
 * @returns one note per kernel, for `BackendInfo.notes`
 * @example
 * ```ts
 * await tf.setBackend('wasm');
 * const notes = registerWasmKernels();
 * ```
 */
export function registerWasmKernels(): string[] {
  registerUnsortedSegmentSum();
  registerLayerNormKernels();
  registerGeluKernels();
  registerAttentionKernel(attentionContextGradient);
  registerLinearKernel();
  registerInt8LinearKernel();
  registerAdamWKernel();
  installWasmOverrides();
  return [
    'wasm: UnsortedSegmentSum kernel added (tf.gather gradient)',
    'wasm: fused layer norm kernels (forward and backward) added',
    'wasm: exact GELU kernels (forward and backward) added, one SIMD pass each',
    'wasm: attention kernel (q|k|v to context in one call) added for inference',
    'wasm: dense layers run as one kernel (SIMD matmul + bias) with its gradient',
    'wasm: int8 dense layers (quantize --dtype int8) run int8 SIMD kernels',
    'wasm: AdamW updates each variable in one SIMD pass',
    'wasm: float32 BatchMatMul and _FusedMatMul (no activation) run a SIMD matmul kernel (XNNPACK for other shapes)',
    'wasm: Transpose of rank >= 5 runs as contiguous row copies',
    'wasm: Sum over leading axes (bias gradients) accumulates rows without a transpose',
    'wasm: GatherV2 (embedding lookup) copies whole rows',
    'wasm: Identity (tensors saved for backward) shares the buffer instead of copying it',
    'wasm: Slice and Unpack copy contiguous runs',
  ];
}

/**
 * Installs the overrides of stock wasm kernels (not the added `UnsortedSegmentSum`). Idempotent.
 *
 * @example
 * ```ts
 * restoreStockWasmKernels(); // measure stock tfjs-backend-wasm
 * installWasmOverrides();    // back to tfdistill's kernels
 * ```
 */
export function installWasmOverrides(): void {
  installBatchMatMulOverride();
  installFusedMatMulOverride();
  installTransposeOverride();
  installSumOverride();
  installGatherOverride();
  installIdentityOverride();
  installSliceOverrides();
}

/**
 * Puts every overridden stock wasm kernel back, e.g. to benchmark stock tfjs-backend-wasm in the same process.
 *
 * @example
 * ```ts
 * restoreStockWasmKernels();
 * ```
 */
export function restoreStockWasmKernels(): void {
  restoreStockBatchMatMul();
  restoreStockFusedMatMul();
  restoreStockTranspose();
  restoreStockSum();
  restoreStockGather();
  restoreStockIdentity();
  restoreStockSlices();
}
